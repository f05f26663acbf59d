import type { LookupAddress } from "node:dns";
import { lookup as dnsLookup } from "node:dns/promises";
import { isIP, type LookupFunction } from "node:net";
import { buildConnector } from "undici";
import { judgeAddress, type NetworkPolicy } from "./network-policy.js";

/** All addresses of a host name, as `dns.lookup(host, {all: true})` gives them. */
export type Resolver = (hostname: string) => Promise<LookupAddress[]>;

const systemResolver: Resolver = (hostname) => dnsLookup(hostname, { all: true });

/** A connection the guard would not open; its message says which address and why. */
export class ProviderAddressRefusedError extends Error {
  override name = "ProviderAddressRefusedError";
  readonly code = "ERR_PROVIDER_ADDRESS_REFUSED";
}

/** The guard's refusal inside an error undici or net may have wrapped. */
export function addressRefusal(err: unknown): ProviderAddressRefusedError | undefined {
  for (let e = err, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    if (e instanceof ProviderAddressRefusedError) return e;
  }
  return undefined;
}

/** Bracketless host of a URL: `[::1]` → `::1`. */
export const hostOf = (url: string): string => new URL(url).hostname.replace(/^\[(.*)\]$/, "$1");

// Bounds the memory of hosts seen on non-public addresses; past it every name counts as one.
const MAX_REMEMBERED_HOSTS = 10_000;

/**
 * Applies the network policy to provider traffic twice: when a provider's base URL is saved
 * (so the user hears at once), and on every connection the provider Agent opens, since DNS may
 * answer differently later (rebinding). It also remembers which hosts reached loopback or
 * private addresses, so their error bodies are not repeated to users.
 */
export class NetworkGuard {
  private readonly nonPublicHosts = new Set<string>();
  private overflowed = false;

  constructor(
    readonly policy: NetworkPolicy,
    private readonly resolve: Resolver = systemResolver,
    private readonly saveLookupTimeoutMs = 5_000,
  ) {}

  /**
   * For provider create and update: why `baseUrl` is refused, or undefined when it is not. A
   * name that does not resolve (yet) is let through; connecting to it is checked all the same.
   */
  async checkBaseUrl(baseUrl: string): Promise<string | undefined> {
    const host = hostOf(baseUrl);
    if (isIP(host)) {
      const v = judgeAddress(this.policy, host);
      return v.allowed ? undefined : v.reason;
    }
    const addresses = await this.resolveWithin(host, this.saveLookupTimeoutMs);
    for (const { address } of addresses) {
      const v = judgeAddress(this.policy, address);
      if (!v.allowed) return `${host} resolves to ${address}, and ${v.reason}`;
    }
    return undefined;
  }

  /** Whether connections to this URL's host have reached a loopback or private address. */
  reachedNonPublic(url: string): boolean {
    const host = hostOf(url);
    if (isIP(host)) {
      const v = judgeAddress(this.policy, host);
      return !v.allowed || v.nonPublic;
    }
    return this.overflowed || this.nonPublicHosts.has(host.toLowerCase());
  }

  /**
   * undici's `connect` for the provider Agent. Names are checked in `lookup`, on the addresses
   * the socket will use; IP literals never reach a lookup in `net.connect`, so they are checked here.
   */
  connector(options: buildConnector.BuildOptions = {}): buildConnector.connector {
    const connect = buildConnector({ ...options, lookup: this.lookup });
    return (opts, callback) => {
      if (isIP(opts.hostname)) {
        const v = judgeAddress(this.policy, opts.hostname);
        if (!v.allowed) {
          callback(new ProviderAddressRefusedError(v.reason), null);
          return;
        }
      }
      connect(opts, callback);
    };
  }

  /** `net.connect`'s lookup: resolves, then keeps only the addresses the policy allows. */
  readonly lookup: LookupFunction = (hostname, options, callback) => {
    const family = options.family === "IPv4" ? 4 : options.family === "IPv6" ? 6 : options.family;
    this.resolve(hostname).then(
      (all) => {
        const wanted = family === 4 || family === 6 ? all.filter((a) => a.family === family) : all;
        const allowed: LookupAddress[] = [];
        let refusal: string | undefined;
        for (const a of wanted) {
          const v = judgeAddress(this.policy, a.address);
          if (v.allowed) {
            allowed.push(a);
            if (v.nonPublic) this.rememberNonPublic(hostname);
          } else {
            refusal ??= `${hostname} resolves to ${a.address}, and ${v.reason}`;
          }
        }
        const [first] = allowed;
        if (!first) {
          const err = refusal
            ? new ProviderAddressRefusedError(refusal)
            : Object.assign(new Error(`${hostname} has no IPv${family} address`), { code: "ENOTFOUND" });
          callback(err, options.all ? [] : "", undefined);
        } else if (options.all) {
          callback(null, allowed);
        } else {
          callback(null, first.address, first.family);
        }
      },
      (err: NodeJS.ErrnoException) => callback(err, options.all ? [] : "", undefined),
    );
  };

  private rememberNonPublic(hostname: string): void {
    if (this.nonPublicHosts.size >= MAX_REMEMBERED_HOSTS) this.overflowed = true;
    else this.nonPublicHosts.add(hostname.toLowerCase());
  }

  private async resolveWithin(host: string, ms: number): Promise<LookupAddress[]> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<LookupAddress[]>((resolve) => {
      timer = setTimeout(() => resolve([]), ms);
      timer.unref();
    });
    try {
      return await Promise.race([this.resolve(host).catch(() => []), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }
}
