import type { ClientRequest, IncomingMessage } from "node:http";
import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

// `npm run dev -w @strand/web` serves the UI with hot reload and sends the API to a running
// `strand server` (STRAND_DEV_SERVER, default http://127.0.0.1:8080).
const api = process.env.STRAND_DEV_SERVER ?? "http://127.0.0.1:8080";

/**
 * The server takes the login cookie only from its own origin (docs/security.md), and behind this
 * proxy the UI's origin is the dev server's. Pages of the dev server itself are the server's own
 * pages, so their Origin becomes the server's; any other page's stays as it was and is refused.
 */
function ownPagesAsServer(proxyReq: ClientRequest, req: IncomingMessage): void {
  const origin = req.headers.origin;
  if (origin !== undefined && req.headers.host !== undefined && origin === `http://${req.headers.host}`) {
    proxyReq.setHeader("origin", new URL(api).origin);
  }
}

export default defineConfig({
  plugins: [react()],
  build: { outDir: "dist", emptyOutDir: true, sourcemap: true },
  server: {
    proxy: {
      "/api": {
        target: api,
        ws: true,
        changeOrigin: true,
        configure: (proxy) => {
          proxy.on("proxyReq", ownPagesAsServer);
          proxy.on("proxyReqWs", ownPagesAsServer);
        },
      },
    },
  },
});
