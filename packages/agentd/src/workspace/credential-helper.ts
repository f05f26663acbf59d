import { git, unsetConfig } from "./git.js";

/**
 * Git authenticates to Strand's smart HTTP with the session token as the Basic password. The
 * token is never written into the repository's config, the remote URL or anyone's environment:
 * git asks this helper at each fetch or push, and the helper reads the token file then, so a
 * token the node rewrites (rotation) is used by the next push without touching the clone.
 */

/** The clone URL without any user or password in it: the helper supplies those. */
export function remoteUrl(cloneUrl: string): string {
  const url = new URL(cloneUrl);
  url.username = "";
  url.password = "";
  return url.toString();
}

/** `credential.<origin>`: the helper answers only for Strand's own server. */
export function credentialSection(cloneUrl: string): string {
  return `credential.${new URL(cloneUrl).origin}`;
}

/** The helper as git config holds it: a shell function reading the token file when git asks. */
export function credentialHelper(tokenFile: string): string {
  return (
    '!f() { test "$1" = get || return 0; ' +
    `printf 'username=strand\\npassword=%s\\n' "$(cat ${shellQuote(tokenFile)})"; }; f`
  );
}

/**
 * `-c` options for a git command run before the clone's own config exists (the clone itself).
 * The empty helper first drops helpers from the user's config (such as `store`), which would
 * otherwise be offered the token to save.
 */
export function credentialArgs(cloneUrl: string, tokenFile: string): string[] {
  const section = credentialSection(cloneUrl);
  return [
    "-c",
    `${section}.helper=`,
    "-c",
    `${section}.helper=${credentialHelper(tokenFile)}`,
    "-c",
    `${section}.useHttpPath=true`,
  ];
}

/** Persists the helper in the clone's config (replacing an earlier one, so it is idempotent). */
export async function configureCredentials(dir: string, cloneUrl: string, tokenFile: string): Promise<void> {
  const section = credentialSection(cloneUrl);
  await unsetConfig(dir, `${section}.helper`);
  await git(dir, ["config", "--local", "--add", `${section}.helper`, ""]);
  await git(dir, ["config", "--local", "--add", `${section}.helper`, credentialHelper(tokenFile)]);
  await git(dir, ["config", "--local", `${section}.useHttpPath`, "true"]);
}

function shellQuote(s: string): string {
  return `'${s.replaceAll("'", `'\\''`)}'`;
}
