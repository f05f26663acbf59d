import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, join } from "node:path";

export interface Credentials {
  server: string;
  token: string;
  email?: string;
}

export const DEFAULT_SERVER = "http://localhost:8080";

export function credentialsPath(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.STRAND_CONFIG_DIR ?? join(env.XDG_CONFIG_HOME ?? join(homedir(), ".config"), "strand");
  return join(base, "credentials.json");
}

export function readCredentials(env: NodeJS.ProcessEnv = process.env): Credentials | undefined {
  const file = credentialsPath(env);
  if (!existsSync(file)) return undefined;
  try {
    const parsed = JSON.parse(readFileSync(file, "utf8")) as Credentials;
    return typeof parsed.server === "string" && typeof parsed.token === "string" ? parsed : undefined;
  } catch {
    return undefined;
  }
}

/** Stored readable by the user only: it holds an API token. */
export function writeCredentials(creds: Credentials, env: NodeJS.ProcessEnv = process.env): string {
  const file = credentialsPath(env);
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  writeFileSync(file, `${JSON.stringify(creds, null, 2)}\n`, { mode: 0o600 });
  chmodSync(file, 0o600);
  return file;
}
