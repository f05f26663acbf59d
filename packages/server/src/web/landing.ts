import { API_PREFIX } from "@strand/protocol";

/** Placeholder front page until the React UI is served from here. */
export function landingPage(): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Strand</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:40rem;margin:4rem auto;padding:0 1rem;color:#1f2328}
code{background:#f3f4f6;padding:.1rem .3rem;border-radius:4px}</style></head>
<body><h1>Strand is running</h1>
<p>The API is at <code>${API_PREFIX}</code>; browse it at <a href="${API_PREFIX}/docs">${API_PREFIX}/docs</a>.</p>
<p>From a terminal: <code>strand login --server http://this-host:port</code>, then <code>strand sessions list</code>.</p>
</body></html>`;
}
