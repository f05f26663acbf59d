import { createBrowserRouter, Navigate } from "react-router";
import { RequireLogin } from "./auth/require-login.js";
import { FleetPage } from "./fleet/fleet-page.js";
import { Layout } from "./layout.js";
import { LoginPage } from "./pages/login-page.js";
import { NotFoundPage } from "./pages/not-found-page.js";

// The fleet and login pages come with the first load; the session page (viewer, decoder, chat)
// and the account pages load when first opened, so the dashboard paints sooner.
export const router = createBrowserRouter([
  { path: "/login", element: <LoginPage /> },
  {
    element: (
      <RequireLogin>
        <Layout />
      </RequireLogin>
    ),
    children: [
      { path: "/", element: <FleetPage /> },
      {
        path: "/sessions/:id",
        lazy: async () => ({ Component: (await import("./sessions/session-page.js")).SessionPage }),
      },
      {
        path: "/projects",
        lazy: async () => ({ Component: (await import("./projects/projects-page.js")).ProjectsPage }),
      },
      {
        path: "/projects/:slug",
        lazy: async () => ({ Component: (await import("./projects/project-page.js")).ProjectPage }),
      },
      {
        path: "/projects/:slug/board",
        lazy: async () => ({ Component: (await import("./tasks/board-page.js")).BoardPage }),
      },
      {
        path: "/projects/:slug/knowledge",
        lazy: async () => ({ Component: (await import("./knowledge/knowledge-page.js")).ProjectKnowledgePage }),
      },
      {
        path: "/knowledge/:id",
        lazy: async () => ({ Component: (await import("./knowledge/source-page.js")).SourcePage }),
      },
      {
        path: "/knowledge/:id/documents/:doc_id",
        lazy: async () => ({ Component: (await import("./knowledge/document-page.js")).DocumentPage }),
      },
      { path: "/tasks/:id", lazy: async () => ({ Component: (await import("./tasks/task-page.js")).TaskPage }) },
      {
        path: "/projects/:slug/repos/:name",
        lazy: async () => ({ Component: (await import("./projects/repo-page.js")).RepoPage }),
      },
      { path: "/search", lazy: async () => ({ Component: (await import("./search/search-page.js")).SearchPage }) },
      {
        path: "/inbox",
        lazy: async () => ({ Component: (await import("./notifications/inbox-page.js")).InboxPage }),
      },
      { path: "/teams", lazy: async () => ({ Component: (await import("./teams/teams-page.js")).TeamsPage }) },
      { path: "/teams/:slug", lazy: async () => ({ Component: (await import("./teams/team-page.js")).TeamPage }) },
      {
        path: "/teams/:slug/knowledge",
        lazy: async () => ({ Component: (await import("./knowledge/knowledge-page.js")).TeamKnowledgePage }),
      },
      {
        path: "/account",
        lazy: async () => ({ Component: (await import("./account/account-page.js")).AccountPage }),
        children: [
          { index: true, element: <Navigate to="/account/providers" replace /> },
          {
            path: "providers",
            lazy: async () => ({ Component: (await import("./providers/providers-page.js")).ProvidersPage }),
          },
          { path: "tokens", lazy: async () => ({ Component: (await import("./tokens/tokens-page.js")).TokensPage }) },
        ],
      },
    ],
  },
  { path: "*", element: <NotFoundPage /> },
]);
