import { describe, expect, it } from "vitest";
import { checkUpstreamUrl, redactUrl, UpstreamError } from "./upstream-url.js";

describe("checkUpstreamUrl", () => {
  it("accepts network transports, loopback included", () => {
    expect(checkUpstreamUrl({ url: "https://github.com/acme/app.git" })).toEqual({
      url: "https://github.com/acme/app.git",
      transport: "http",
    });
    expect(checkUpstreamUrl({ url: "http://127.0.0.1:3000/x.git" }).transport).toBe("http");
    expect(checkUpstreamUrl({ url: "http://[::1]:3000/x.git" }).transport).toBe("http");
    expect(checkUpstreamUrl({ url: "ssh://git@example.com/acme/app.git" }).transport).toBe("ssh");
    expect(checkUpstreamUrl({ url: "git@github.com:acme/app.git" })).toEqual({
      url: "git@github.com:acme/app.git",
      transport: "ssh",
    });
    expect(checkUpstreamUrl({ url: "github.com:acme/app.git", username: "git" }).url).toBe(
      "git@github.com:acme/app.git",
    );
    expect(checkUpstreamUrl({ url: "git://example.com/app.git" }).transport).toBe("git");
  });

  it("moves credentials out of an http URL", () => {
    expect(checkUpstreamUrl({ url: "https://bob:p%40ss@example.com/app.git" })).toEqual({
      url: "https://example.com/app.git",
      transport: "http",
      username: "bob",
      password: "p@ss",
    });
    expect(checkUpstreamUrl({ url: "https://bob:x@example.com/a.git", password: "given" }).password).toBe("given");
  });

  it("refuses local paths, file://, remote helpers and other schemes, naming the allowed ones", () => {
    for (const url of [
      "file:///etc/passwd",
      "FILE:///x",
      "ext::sh -c id",
      "fd::3",
      "/srv/git/app.git",
      "./app",
      "app",
      "dir/with:colon",
      "ftp://example.com/x",
      "-oProxyCommand=id:x",
      "",
    ]) {
      let error: unknown;
      try {
        checkUpstreamUrl({ url });
      } catch (err) {
        error = err;
      }
      expect(error, url).toBeInstanceOf(UpstreamError);
      expect((error as UpstreamError).kind).toBe("url_refused");
    }
    expect(() => checkUpstreamUrl({ url: "file:///etc" })).toThrow(
      'cannot use "file:///etc" as an upstream: file:// is not allowed; use http://, https://, ssh:// (or scp-like user@host:path) and git:// URLs',
    );
  });

  it("refuses credentials it cannot pass safely", () => {
    expect(() => checkUpstreamUrl({ url: "git@host:x.git", password: "pw" })).toThrow(/passwords over ssh/);
    expect(() => checkUpstreamUrl({ url: "git://host/x.git", username: "u" })).toThrow(
      /git:\/\/ has no authentication/,
    );
    expect(() => checkUpstreamUrl({ url: "https://host/x.git", password: "a\nb" })).toThrow(/line breaks/);
  });

  it("never shows a password in its messages", () => {
    expect(redactUrl("ftp://u:hunter2@host/x")).toBe("ftp://***@host/x");
    expect(() => checkUpstreamUrl({ url: "ftp://u:hunter2@host/x" })).toThrow(/^(?!.*hunter2)/);
  });
});
