import { describe, expect, expectTypeOf, it } from "vitest";
import type { ConversationEntry } from "../conversation.js";
import { API_PREFIX } from "../index.js";
import type { Session, SessionList } from "../sessions.js";
import type { RouteInput, RouteInputArgs, RouteResponse } from "./define.js";
import { ROUTES } from "./index.js";
import { pathFor } from "./path-for.js";

const entries = Object.entries(ROUTES);

describe("ROUTES", () => {
  it("has one entry per method and path, all under the API prefix", () => {
    const keys = entries.map(([, r]) => `${r.method} ${r.path}`);
    expect(keys.filter((k, i) => keys.indexOf(k) !== i)).toEqual([]);
    expect(entries.filter(([, r]) => !r.path.startsWith(`${API_PREFIX}/`)).map(([name]) => name)).toEqual([]);
  });

  it("declares a params schema with exactly the path's :params", () => {
    const mismatched = entries.flatMap(([name, r]) => {
      const inPath = [...r.path.matchAll(/:([A-Za-z0-9_]+)/g)].map((m) => m[1]).sort();
      const params = "params" in r ? r.params : undefined;
      const inSchema = params && "shape" in params ? Object.keys(params.shape as object).sort() : [];
      return JSON.stringify(inPath) === JSON.stringify(inSchema) ? [] : [`${name}: path ${inPath} schema ${inSchema}`];
    });
    expect(mismatched).toEqual([]);
  });

  it("gives every REST route a 2xx response and every WebSocket route none", () => {
    const wrong = entries.flatMap(([name, r]) => {
      const ok = Object.keys(r.response).some((s) => s.startsWith("2"));
      const websocket = "websocket" in r && r.websocket === true;
      return ok === websocket ? [name] : [];
    });
    expect(wrong).toEqual([]);
  });

  it("fills in user auth where a route says none", () => {
    expect(ROUTES["sessions.get"].auth).toBe("user");
    expect(ROUTES["auth.login"].auth).toBe("public");
    expect(ROUTES["agent.connect"].auth).toBe("session");
  });

  it("infers inputs and results from the schemas", () => {
    expectTypeOf<RouteResponse<(typeof ROUTES)["sessions.get"]>>().toEqualTypeOf<Session>();
    expectTypeOf<RouteResponse<(typeof ROUTES)["sessions.list"]>>().toEqualTypeOf<SessionList>();
    // 200 and 201 are the same entry.
    expectTypeOf<RouteResponse<(typeof ROUTES)["conversation.send"]>>().toEqualTypeOf<ConversationEntry>();
    expectTypeOf<RouteResponse<(typeof ROUTES)["auth.logout"]>>().toEqualTypeOf<null>();
    expectTypeOf<RouteInput<(typeof ROUTES)["sessions.get"]>["params"]>().toEqualTypeOf<{ id: string }>();
    expectTypeOf<RouteInput<(typeof ROUTES)["conversation.send"]>["body"]>().toEqualTypeOf<{
      request_id: string;
      content: string;
    }>();
    // Nothing required: the input may be left out; a route with params may not.
    expectTypeOf<RouteInputArgs<(typeof ROUTES)["sessions.list"]>>().toEqualTypeOf<
      [input?: RouteInput<(typeof ROUTES)["sessions.list"]>]
    >();
    expectTypeOf<RouteInputArgs<(typeof ROUTES)["sessions.get"]>>().toEqualTypeOf<
      [input: RouteInput<(typeof ROUTES)["sessions.get"]>]
    >();
    // The provider test's body is nullish, so it is optional.
    expectTypeOf<RouteInputArgs<(typeof ROUTES)["providers.test"]>[0]>().toEqualTypeOf<
      RouteInput<(typeof ROUTES)["providers.test"]>
    >();
  });
});

describe("pathFor", () => {
  it("fills and URL-encodes path params", () => {
    expect(pathFor(ROUTES["sessions.get"], { id: "ses_1" })).toBe("/api/v1/sessions/ses_1");
    expect(pathFor(ROUTES["conversation.answerPermission"], { id: "a/b", entry_id: "x y?" })).toBe(
      "/api/v1/sessions/a%2Fb/permissions/x%20y%3F",
    );
  });

  it("adds the query, leaving out what is undefined or null", () => {
    expect(pathFor(ROUTES["sessions.list"], {}, { limit: 200, cursor: undefined, state: "ready" })).toBe(
      "/api/v1/sessions?limit=200&state=ready",
    );
    expect(pathFor(ROUTES["events.watch"], undefined, { since: undefined })).toBe("/api/v1/events");
    expect(pathFor(ROUTES["sessions.stream"], { id: "s" }, { view_only: "1" })).toBe(
      "/api/v1/sessions/s/stream?view_only=1",
    );
  });

  it("refuses a missing param, naming it", () => {
    expect(() => pathFor(ROUTES["sessions.get"], {} as { id: string })).toThrow(
      'GET /api/v1/sessions/:id needs the path param "id"; pass it in params',
    );
  });
});
