import { GitError } from "./errors.js";

/** What went wrong talking to an upstream host, for the UI to explain. */
export type UpstreamFailure =
  | "url_refused"
  | "authentication_failed"
  | "not_found"
  | "unreachable"
  | "timeout"
  | "rejected"
  | "failed";

const STATUS: Record<UpstreamFailure, number> = {
  url_refused: 400,
  authentication_failed: 422,
  not_found: 422,
  unreachable: 502,
  timeout: 504,
  rejected: 409,
  failed: 502,
};

/** Fetching from, pushing to or cloning an upstream repository failed. `url` never holds credentials. */
export class UpstreamError extends GitError {
  constructor(
    readonly kind: UpstreamFailure,
    readonly url: string,
    message: string,
    /** Git's own last stderr line, when git ran. */
    readonly gitMessage?: string,
  ) {
    super(message, STATUS[kind], `upstream_${kind}`);
  }
}

export interface UpstreamCredentials {
  username?: string;
  password?: string;
}

export interface UpstreamSource extends UpstreamCredentials {
  url: string;
}

/** A checked upstream: the URL to give git (credentials removed) and the credentials to supply aside. */
export interface CheckedUpstream extends UpstreamCredentials {
  url: string;
  transport: "http" | "ssh" | "git";
}

const ALLOWED = "http://, https://, ssh:// (or scp-like user@host:path) and git:// URLs";

/** Hides a password written into a URL, for messages about URLs that were refused. */
export function redactUrl(url: string): string {
  return url.replace(/\/\/[^/@\s]*@/, "//***@");
}

/**
 * Accepts only network transports. Local paths, file://, and git's `<helper>::<address>` syntax
 * (ext:: runs commands) would let whoever types the URL read the server's disk or run programs on it.
 * Credentials written into an http(s) URL are moved out of it, so they never reach a stored config.
 */
export function checkUpstreamUrl(source: UpstreamSource): CheckedUpstream {
  const raw = source.url.trim();
  const refuse = (why: string) =>
    new UpstreamError(
      "url_refused",
      redactUrl(raw),
      `cannot use ${JSON.stringify(redactUrl(raw))} as an upstream: ${why}`,
    );
  if (!raw) throw refuse(`the URL is empty; use ${ALLOWED}`);
  if (/^[A-Za-z][A-Za-z0-9+.-]*::/.test(raw)) throw refuse(`remote helpers (<name>::) are not allowed; use ${ALLOWED}`);
  if (/[\s\0]/.test(raw)) throw refuse(`URLs may not contain spaces or control characters; use ${ALLOWED}`);
  for (const [what, value] of [
    ["username", source.username],
    ["password", source.password],
  ] as const) {
    if (value !== undefined && /[\n\r\0]/.test(value)) throw refuse(`the ${what} may not contain line breaks`);
  }

  const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):\/\//.exec(raw)?.[1]?.toLowerCase();
  if (scheme !== undefined) {
    if (!["http", "https", "ssh", "git"].includes(scheme)) throw refuse(`${scheme}:// is not allowed; use ${ALLOWED}`);
    let url: URL;
    try {
      url = new URL(raw);
    } catch {
      throw refuse(`it is not a valid URL; use ${ALLOWED}`);
    }
    if (!url.hostname) throw refuse("the URL has no host");
    if (url.hostname.startsWith("-")) throw refuse("host names may not start with '-'");
    const inlineUser = url.username ? decodeURIComponent(url.username) : undefined;
    const inlinePassword = url.password ? decodeURIComponent(url.password) : undefined;
    if (scheme === "git") {
      if (inlineUser || inlinePassword || source.username || source.password) {
        throw refuse("git:// has no authentication; drop the credentials or use https://");
      }
      return { url: url.toString(), transport: "git" };
    }
    if (scheme === "ssh") {
      if (inlinePassword || source.password) {
        throw refuse("passwords over ssh are not supported; use https:// with a token, or an SSH key on the server");
      }
      if (source.username && !url.username) url.username = encodeURIComponent(source.username);
      return { url: url.toString(), transport: "ssh" };
    }
    url.username = "";
    url.password = "";
    const username = source.username ?? inlineUser;
    const password = source.password ?? inlinePassword;
    return {
      url: url.toString(),
      transport: "http",
      ...(username !== undefined ? { username } : {}),
      ...(password !== undefined ? { password } : {}),
    };
  }

  // git's own rule: a colon before any slash makes it scp-like ssh ([user@]host:path), else a local path.
  const colon = raw.indexOf(":");
  const slash = raw.indexOf("/");
  if (colon > 0 && (slash === -1 || colon < slash)) {
    const host = raw.slice(0, colon).replace(/^[^@]*@/, "");
    if (!host || host.startsWith("-")) throw refuse("the host is missing or starts with '-'");
    if (colon === raw.length - 1) throw refuse("the path after ':' is missing");
    if (source.password) {
      throw refuse("passwords over ssh are not supported; use https:// with a token, or an SSH key on the server");
    }
    const user = source.username && !raw.slice(0, colon).includes("@") ? `${source.username}@` : "";
    return { url: `${user}${raw}`, transport: "ssh" };
  }
  throw refuse(`local paths are not allowed; use ${ALLOWED}`);
}
