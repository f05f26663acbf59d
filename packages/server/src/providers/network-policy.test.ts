import { describe, expect, it } from "vitest";
import { classifyAddress, judgeAddress, NetworkPolicyError, parseNetworkPolicy } from "./network-policy.js";

describe("classifyAddress", () => {
  it.each([
    // IPv4
    ["169.254.169.254", "always_refused", "169.254.0.0/16"],
    ["169.254.0.1", "always_refused", "169.254.0.0/16"],
    ["0.0.0.0", "always_refused", "0.0.0.0/8"],
    ["0.1.2.3", "always_refused", "0.0.0.0/8"],
    ["127.0.0.1", "loopback", "127.0.0.0/8"],
    ["127.255.0.9", "loopback", "127.0.0.0/8"],
    ["10.1.2.3", "private", "10.0.0.0/8"],
    ["172.16.0.1", "private", "172.16.0.0/12"],
    ["172.31.255.254", "private", "172.16.0.0/12"],
    ["192.168.1.1", "private", "192.168.0.0/16"],
    ["100.64.0.1", "private", "100.64.0.0/10"],
    ["100.127.255.255", "private", "100.64.0.0/10"],
    // IPv6
    ["fe80::1", "always_refused", "fe80::/10"],
    ["febf:ffff::1", "always_refused", "fe80::/10"],
    ["fd00:ec2::254", "always_refused", "fd00:ec2::254/128"],
    ["::", "always_refused", "::/128"],
    ["::1", "loopback", "::1/128"],
    ["fc00::1", "private", "fc00::/7"],
    ["fd00:ec2::253", "private", "fc00::/7"],
    ["fdff:ffff::1", "private", "fc00::/7"],
    // IPv4-mapped IPv6, dotted and hex
    ["::ffff:169.254.169.254", "always_refused", "169.254.0.0/16"],
    ["::ffff:a9fe:a9fe", "always_refused", "169.254.0.0/16"],
    ["0:0:0:0:0:ffff:a9fe:a9fe", "always_refused", "169.254.0.0/16"],
    ["::ffff:0.0.0.0", "always_refused", "0.0.0.0/8"],
    ["::ffff:127.0.0.1", "loopback", "127.0.0.0/8"],
    ["::ffff:10.0.0.1", "private", "10.0.0.0/8"],
    ["::ffff:c0a8:101", "private", "192.168.0.0/16"],
  ])("%s is %s (%s)", (address, kind, range) => {
    expect(classifyAddress(address)).toMatchObject({ kind, range });
  });

  it.each([
    "8.8.8.8",
    "1.1.1.1",
    "172.15.255.255",
    "172.32.0.1",
    "100.63.255.255",
    "100.128.0.1",
    "169.253.255.255",
    "2606:4700::1111",
    "fec0::1",
    "::ffff:8.8.8.8",
  ])("%s is public", (address) => {
    expect(classifyAddress(address)).toEqual({ kind: "public" });
  });

  it("ignores an IPv6 zone and refuses what is not an address", () => {
    expect(classifyAddress("fe80::1%eth0")).toMatchObject({ kind: "always_refused" });
    expect(() => classifyAddress("example.com")).toThrow(/not an IP address/);
  });
});

describe("parseNetworkPolicy", () => {
  it("takes range names in any case, CIDRs of both families, and single addresses", () => {
    const p = parseNetworkPolicy(["Loopback", "PRIVATE", "198.51.100.0/24", "2001:db8::/32", "203.0.113.9"]);
    expect([...p.groups].sort()).toEqual(["loopback", "private"]);
    expect(p.cidrs.check("198.51.100.200", "ipv4")).toBe(true);
    expect(p.cidrs.check("198.51.101.1", "ipv4")).toBe(false);
    expect(p.cidrs.check("2001:db8:1::5", "ipv6")).toBe(true);
    expect(p.cidrs.check("203.0.113.9", "ipv4")).toBe(true);
    expect(p.cidrs.check("203.0.113.10", "ipv4")).toBe(false);
    expect(parseNetworkPolicy(["none"]).groups.size).toBe(0);
  });

  it.each([
    ["lan", /"lan" is not a range name, a CIDR or an IP address/],
    ["10.0.0/8", /"10.0.0\/8" is not a range name/],
    ["10.0.0.0/8/1", /is not a range name/],
    ["10.0.0.0/x", /is not a range name/],
    ["10.0.0.0/33", /"10.0.0.0\/33" has a prefix length outside 0-32/],
    ["fd00::/129", /outside 0-128/],
    ["169.254.169.254", /lies in 169.254.0.0\/16, the link-local range cloud metadata services answer on/],
    ["fe80::/64", /lies in fe80::\/10/],
    ["::ffff:169.254.169.254/128", /lies in 169.254.0.0\/16/],
  ])("refuses %s, naming it and the accepted forms", (entry, message) => {
    expect(() => parseNetworkPolicy(["loopback", entry])).toThrow(NetworkPolicyError);
    expect(() => parseNetworkPolicy(["loopback", entry])).toThrow(message);
    expect(() => parseNetworkPolicy(["loopback", entry])).toThrow(/Accepted: loopback, private .*, none, or CIDRs/);
  });

  it("wants none alone", () => {
    expect(() => parseNetworkPolicy(["none", "loopback"])).toThrow(/"none" must stand alone/);
  });
});

describe("judgeAddress", () => {
  const loopbackOnly = parseNetworkPolicy(["loopback"]);

  it("lets public addresses through under any policy", () => {
    for (const setting of [["none"], ["loopback"], ["private"]]) {
      expect(judgeAddress(parseNetworkPolicy(setting), "93.184.216.34")).toEqual({ allowed: true, nonPublic: false });
    }
  });

  it("allows loopback by default, and says how to allow a private address", () => {
    expect(judgeAddress(loopbackOnly, "127.0.0.1")).toEqual({ allowed: true, nonPublic: true });
    expect(judgeAddress(loopbackOnly, "::1")).toEqual({ allowed: true, nonPublic: true });
    expect(judgeAddress(loopbackOnly, "::ffff:127.0.0.1")).toEqual({ allowed: true, nonPublic: true });
    const v = judgeAddress(loopbackOnly, "10.1.2.3");
    expect(v.allowed).toBe(false);
    expect(!v.allowed && v.reason).toBe(
      "10.1.2.3 is in 10.0.0.0/8, a private range (RFC 1918), which STRAND_PROVIDER_PRIVATE_NETWORKS=loopback " +
        "does not allow; an admin can allow it by adding private or a CIDR such as 10.1.2.3/32 to " +
        "STRAND_PROVIDER_PRIVATE_NETWORKS and restarting Strand",
    );
  });

  it("refuses loopback under none", () => {
    const v = judgeAddress(parseNetworkPolicy(["none"]), "127.0.0.1");
    expect(!v.allowed && v.reason).toMatch(
      /^127\.0\.0\.1 is in 127\.0\.0\.0\/8, the loopback range, .*=none does not allow; .*adding loopback/,
    );
  });

  it("allows the private set by name, and single ranges by CIDR, whatever form the address takes", () => {
    const priv = parseNetworkPolicy(["private"]);
    for (const a of ["10.0.0.1", "172.20.1.1", "192.168.0.5", "100.64.1.1", "fd12::1", "::ffff:10.0.0.1"]) {
      expect(judgeAddress(priv, a), a).toEqual({ allowed: true, nonPublic: true });
    }
    expect(judgeAddress(priv, "127.0.0.1").allowed).toBe(false);
    const cidr = parseNetworkPolicy(["10.8.0.0/16", "fd12:3456::/48"]);
    expect(judgeAddress(cidr, "10.8.200.1").allowed).toBe(true);
    expect(judgeAddress(cidr, "::ffff:10.8.0.1").allowed).toBe(true);
    expect(judgeAddress(cidr, "10.9.0.1").allowed).toBe(false);
    expect(judgeAddress(cidr, "fd12:3456:0:1::9").allowed).toBe(true);
    expect(judgeAddress(cidr, "fd12:3457::9").allowed).toBe(false);
  });

  it("always refuses link-local, metadata and unspecified addresses, even under a CIDR that covers them", () => {
    const everything = parseNetworkPolicy(["loopback", "private", "0.0.0.0/0", "::/0"]);
    for (const a of ["169.254.169.254", "::ffff:169.254.169.254", "fe80::1", "fd00:ec2::254", "0.0.0.0", "::"]) {
      const v = judgeAddress(everything, a);
      expect(v.allowed, a).toBe(false);
      expect(!v.allowed && v.reason, a).toMatch(/which Strand never lets a provider reach$/);
    }
  });
});
