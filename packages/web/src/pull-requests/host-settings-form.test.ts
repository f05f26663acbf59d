import { describe, expect, it } from "vitest";
import { hostFormOf, newWebhookSecret, storedOf, toHostBody } from "./host-settings-form.js";

describe("pull request host settings form", () => {
  const github = storedOf({
    host_kind: "github",
    api_base: "https://api.github.com",
    token_set: true,
    webhook_secret_set: false,
    webhook_url: "https://strand.example/api/v1/webhooks/repos/rep_1",
  });

  it("sends nothing when nothing changed, and never an empty secret", () => {
    expect(toHostBody(hostFormOf(github), github)).toBeNull();
    expect(toHostBody({ ...hostFormOf(github), host_token: "   " }, github)).toBeNull();
  });

  it("sends typed secrets, a new kind and API base, and null to go back to telling from the URL", () => {
    expect(toHostBody({ ...hostFormOf(github), host_token: " t0k ", webhook_secret: "s3cret" }, github)).toEqual({
      host_token: "t0k",
      webhook_secret: "s3cret",
    });
    const none = storedOf(null);
    expect(
      toHostBody({ ...hostFormOf(none), host_kind: "gitea", host_api_base: "https://git.lan/api/v1" }, none),
    ).toEqual({ host_kind: "gitea", host_api_base: "https://git.lan/api/v1" });
    expect(toHostBody({ ...hostFormOf(github), host_kind: "", host_api_base: "" }, github)).toEqual({
      host_kind: null,
      host_api_base: null,
    });
  });

  it("generates a 64-hex-digit webhook secret", () => {
    expect(newWebhookSecret()).toMatch(/^[0-9a-f]{64}$/);
    expect(newWebhookSecret()).not.toBe(newWebhookSecret());
  });
});
