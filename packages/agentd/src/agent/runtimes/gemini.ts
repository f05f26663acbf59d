import { homedir } from "node:os";
import { join } from "node:path";
import type { RuntimeEntry } from "./types.js";

/** Where agentd writes Gemini CLI's system settings (the layer that overrides all others). */
export const GEMINI_SETTINGS_PATH = join(homedir(), ".config", "strand", "gemini-cli-settings.json");

/**
 * Gemini CLI's system settings, which win over the user's and the project's: the proxy as the
 * only way out (gateway auth; no usage statistics, telemetry or update checks).
 */
export function geminiSystemSettings(): string {
  const settings = {
    general: { enableAutoUpdate: false, enableAutoUpdateNotification: false },
    privacy: { usageStatisticsEnabled: false },
    telemetry: { enabled: false },
    security: { auth: { selectedType: "gateway" } },
  };
  return `${JSON.stringify(settings, null, 2)}\n`;
}

/**
 * Gemini CLI speaks Google's API to the proxy: @google/genai takes GOOGLE_GEMINI_BASE_URL, and
 * with it set Gemini CLI picks its "gateway" auth, which sends GEMINI_API_KEY as x-goog-api-key
 * and needs no ACP `authenticate`. No relaunch (a second Node process for heap flags), the
 * workspace is trusted (the sandbox is the boundary), and the settings turn off what would call
 * Google directly.
 *
 * No ACP file system: Gemini CLI 0.61 cannot create a file through it (it checks for an
 * existing file with fs/read_text_file and only takes a Node ENOENT as "absent", which no
 * JSON-RPC error can be). It runs beside agentd on the same disk, so it writes itself.
 */
export const gemini: RuntimeEntry = {
  id: "gemini",
  name: "gemini",
  command: () => ({ command: "gemini", args: ["--experimental-acp"] }),
  env: (ctx) => ({
    GOOGLE_GEMINI_BASE_URL: ctx.serverUrl,
    GEMINI_API_KEY: ctx.sessionToken,
    ...(ctx.model ? { GEMINI_MODEL: ctx.model } : {}),
    GEMINI_CLI_SYSTEM_SETTINGS_PATH: GEMINI_SETTINGS_PATH,
    GEMINI_CLI_NO_RELAUNCH: "true",
    GEMINI_CLI_TRUST_WORKSPACE: "true",
    GEMINI_TELEMETRY_ENABLED: "false",
  }),
  files: () => ({ [GEMINI_SETTINGS_PATH]: geminiSystemSettings() }),
  clientFs: false,
  observed: {
    version: "0.61.0",
    authMethods: ["oauth-personal", "gemini-api-key", "vertex-ai", "gateway"],
    mcp: ["stdio", "http", "sse"],
    continues: ["load"],
  },
};
