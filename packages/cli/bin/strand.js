#!/usr/bin/env node
// Committed shim so npm can link the bin before the TypeScript is built.
import("../dist/main.js")
  .then((m) => m.main(process.argv))
  .catch((err) => {
    if (err && err.code === "ERR_MODULE_NOT_FOUND" && String(err.message).includes("dist/main.js")) {
      process.stderr.write("strand is not built yet: run `npm run build` in the repository first.\n");
    } else {
      process.stderr.write(`${err?.stack ? err.stack : err}\n`);
    }
    process.exit(1);
  });
