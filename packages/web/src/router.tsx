import { createBrowserRouter, Navigate } from "react-router";
import { AccountPage } from "./account/account-page.js";
import { RequireLogin } from "./auth/require-login.js";
import { FleetPage } from "./fleet/fleet-page.js";
import { Layout } from "./layout.js";
import { LoginPage } from "./pages/login-page.js";
import { NotFoundPage } from "./pages/not-found-page.js";
import { ProvidersPage } from "./providers/providers-page.js";
import { SessionPage } from "./sessions/session-page.js";
import { TokensPage } from "./tokens/tokens-page.js";

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
      { path: "/sessions/:id", element: <SessionPage /> },
      {
        path: "/account",
        element: <AccountPage />,
        children: [
          { index: true, element: <Navigate to="/account/providers" replace /> },
          { path: "providers", element: <ProvidersPage /> },
          { path: "tokens", element: <TokensPage /> },
        ],
      },
    ],
  },
  { path: "*", element: <NotFoundPage /> },
]);
