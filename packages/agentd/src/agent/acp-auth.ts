/**
 * Which of a runtime's ACP `authMethods` agentd can satisfy, by one rule for every runtime: a
 * method that names the environment variables it needs (`type: "env_var"`, `vars`) is usable
 * when agentd has set them all for the runtime (they hold the session token; the proxy is the
 * base URL). Interactive logins (a browser, `claude /login`, a terminal) are never usable in an
 * unattended desktop. A runtime entry may name a method when the rule cannot tell.
 */
export function chooseAuthMethod(
  methods: readonly unknown[] | null | undefined,
  env: NodeJS.ProcessEnv,
  preferred?: string,
): string | undefined {
  const list = (methods ?? []).map(asMethod).filter((m) => m !== undefined);
  if (preferred && list.some((m) => m.id === preferred)) return preferred;
  return list.find((m) => m.type === "env_var" && m.vars.length > 0 && m.vars.every((v) => Boolean(env[v.name])))?.id;
}

interface Method {
  id: string;
  type?: string;
  vars: { name: string }[];
}

/** A method as far as the rule needs it; the ACP schema's own union does not know `env_var` yet. */
function asMethod(m: unknown): Method | undefined {
  if (typeof m !== "object" || m === null) return undefined;
  const { id, type, vars } = m as { id?: unknown; type?: unknown; vars?: unknown };
  if (typeof id !== "string") return undefined;
  const names = Array.isArray(vars) ? vars.filter((v) => typeof v?.name === "string") : [];
  return { id, ...(typeof type === "string" ? { type } : {}), vars: names };
}

/** ACP's "authentication required" error (`-32000`), as an agent answers session/new before `authenticate`. */
export function isAuthRequired(err: unknown): boolean {
  const e = err as { code?: unknown; message?: unknown };
  return e?.code === -32000 || /auth(entication)? required/i.test(String(e?.message ?? ""));
}
