/** Minimal HTTP helper for tests that assert on status codes and raw bodies. */
export interface Reply<T = any> {
  status: number;
  headers: Headers;
  body: T;
  text: string;
}

export interface Caller {
  (
    method: string,
    path: string,
    opts?: { body?: unknown; raw?: string; headers?: Record<string, string> },
  ): Promise<Reply>;
  baseUrl: string;
}

export function caller(baseUrl: string, auth?: { token?: string; cookie?: string }): Caller {
  const fn = (async (method, path, opts = {}) => {
    const headers: Record<string, string> = { ...opts.headers };
    if (auth?.token) headers.authorization = `Bearer ${auth.token}`;
    if (auth?.cookie) headers.cookie = auth.cookie;
    let body: string | undefined;
    if (opts.raw !== undefined) body = opts.raw;
    else if (opts.body !== undefined) {
      body = JSON.stringify(opts.body);
      headers["content-type"] ??= "application/json";
    }
    const res = await fetch(`${baseUrl}${path}`, { method, headers, ...(body !== undefined ? { body } : {}) });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {
      // Not JSON; tests look at `text`.
    }
    return { status: res.status, headers: res.headers, body: parsed, text };
  }) as Caller;
  fn.baseUrl = baseUrl;
  return fn;
}
