import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

// `npm run dev -w @strand/web` serves the UI with hot reload and sends the API to a running
// `strand server` (STRAND_DEV_SERVER, default http://127.0.0.1:8080).
const api = process.env.STRAND_DEV_SERVER ?? "http://127.0.0.1:8080";

export default defineConfig({
  plugins: [react()],
  build: { outDir: "dist", emptyOutDir: true, sourcemap: true },
  server: {
    proxy: {
      "/api": { target: api, ws: true, changeOrigin: true, rewriteWsOrigin: true },
    },
  },
});
