import { describe, expect, it } from "vitest";
import { refusedAddress, upstreamHostname } from "./upstream-address.js";

const resolvesTo =
  (...addresses: string[]) =>
  async () =>
    addresses.map((address) => ({ address }));

describe("upstream addresses", () => {
  it("finds the host in URLs and scp-like ssh", () => {
    expect(upstreamHostname("https://git.example.com/a/b.git")).toBe("git.example.com");
    expect(upstreamHostname("git@github.com:acme/app.git")).toBe("github.com");
    expect(upstreamHostname("ssh://[fe80::1]/x.git")).toBe("fe80::1");
  });

  it("refuses cloud metadata and the unspecified address, by literal or by name", async () => {
    expect(await refusedAddress("http://169.254.169.254/latest")).toMatch(/169\.254\.0\.0\/16.*metadata/);
    expect(await refusedAddress("http://0.0.0.0:3000/x.git")).toMatch(/never connects/);
    expect(
      await refusedAddress("https://sneaky.example/x.git", resolvesTo("93.184.216.34", "169.254.169.254")),
    ).toMatch(/sneaky\.example resolves to 169\.254\.169\.254/);
  });

  it("lets loopback, private networks, public hosts and unresolvable names through", async () => {
    expect(await refusedAddress("http://127.0.0.1:8080/x.git")).toBeUndefined();
    expect(await refusedAddress("git://10.1.2.3/x.git")).toBeUndefined();
    expect(await refusedAddress("https://gitea.internal/api/v1", resolvesTo("192.168.1.20"))).toBeUndefined();
    const nxdomain = async () => {
      throw Object.assign(new Error("not found"), { code: "ENOTFOUND" });
    };
    expect(await refusedAddress("https://nowhere.invalid/x.git", nxdomain)).toBeUndefined();
  });
});
