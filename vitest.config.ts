import { defineConfig } from "vitest/config";

const serverSuite = ["packages/server/test/**/*.test.ts"];
// Chromium against real servers, no Docker: these run in the first pass of a full run, beside the
// server suite, while the desktop images build (scripts/test.sh).
const webE2e = [
  "test/e2e/web-ui.test.ts",
  "test/e2e/viewer.test.ts",
  "test/e2e/projects-ui.test.ts",
  "test/e2e/review-ui.test.ts",
  "test/e2e/board-ui.test.ts",
  "test/e2e/inbox-ui.test.ts",
  "test/e2e/search-ui.test.ts",
  "test/e2e/mcp-servers-ui.test.ts",
  "test/e2e/knowledge-ui.test.ts",
];

// The server suite runs twice, once per database backend: the embedded default and PostgreSQL.
export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 60_000,
    projects: [
      {
        extends: true,
        test: { name: "unit", include: ["packages/*/src/**/*.test.ts", "test/fixtures/**/*.test.ts"] },
      },
      { extends: true, test: { name: "server:pglite", include: serverSuite, env: { STRAND_TEST_DB: "pglite" } } },
      { extends: true, test: { name: "server:postgres", include: serverSuite, env: { STRAND_TEST_DB: "postgres" } } },
      {
        extends: true,
        test: {
          name: "integration",
          include: ["test/integration/**/*.test.ts"],
          // These spawn servers and PostgreSQL clusters; running them one at a time keeps a 2-core box calm.
          fileParallelism: false,
        },
      },
      {
        extends: true,
        test: { name: "e2e:web", include: webE2e, fileParallelism: false, testTimeout: 120_000 },
      },
      {
        extends: true,
        test: {
          name: "e2e",
          include: ["test/e2e/**/*.test.ts"],
          exclude: webE2e,
          // Real Chromium against real servers (and Docker): one file at a time, and after the other
          // projects, so its desktops never share the Docker engine with the integration suite's.
          fileParallelism: false,
          sequence: { groupOrder: 1 },
          testTimeout: 120_000,
        },
      },
    ],
  },
});
