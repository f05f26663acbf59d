import { existsSync } from "node:fs";
import { dirname, extname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { PushPolicy } from "./push-policy.js";

const here = fileURLToPath(import.meta.url);

/**
 * The compiled hook entry. Node cannot run the TypeScript source, so when this module itself runs from
 * source (vitest) the hook still points at the package's build output in dist/.
 */
export const PRE_RECEIVE_SCRIPT =
  extname(here) === ".ts"
    ? join(dirname(here), "..", "..", "dist", "git", "pre-receive.js")
    : join(dirname(here), "pre-receive.js");

/**
 * The environment that makes a hosted repository's pre-receive hook enforce `policy`; pass it to
 * runHttpBackend (or return it from the plugin's authorize) for every push.
 */
export function prePushEnv(policy: PushPolicy): Record<string, string> {
  if (!existsSync(PRE_RECEIVE_SCRIPT)) {
    throw new Error(
      `the push policy hook ${PRE_RECEIVE_SCRIPT} is missing; build the server (npx tsc -b) before serving pushes`,
    );
  }
  return {
    STRAND_NODE: process.execPath,
    STRAND_PRE_RECEIVE: PRE_RECEIVE_SCRIPT,
    STRAND_PUSH_POLICY: JSON.stringify(policy),
  };
}
