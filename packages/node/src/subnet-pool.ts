/**
 * Hands out one /24 per session from a /16 pool (default 10.213.0.0/16), skipping the ones
 * Docker networks already use. Pure: the caller passes what is in use.
 */
export class SubnetPool {
  private readonly prefix: [number, number];

  constructor(pool = "10.213.0.0/16") {
    const m = /^(\d{1,3})\.(\d{1,3})\.0\.0\/16$/.exec(pool);
    if (!m) throw new Error(`subnet pool must be an a.b.0.0/16 range, got ${JSON.stringify(pool)}`);
    const a = Number(m[1]);
    const b = Number(m[2]);
    if (a > 255 || b > 255) throw new Error(`subnet pool ${pool} is not an IPv4 range`);
    this.prefix = [a, b];
  }

  /** The lowest free /24 (indexes 1..254; 0 and 255 are kept clear), or undefined when exhausted. */
  allocate(inUse: Iterable<string>): { subnet: string; gateway: string } | undefined {
    const used = new Set(inUse);
    const [a, b] = this.prefix;
    for (let n = 1; n < 255; n++) {
      const subnet = `${a}.${b}.${n}.0/24`;
      if (!used.has(subnet)) return { subnet, gateway: `${a}.${b}.${n}.1` };
    }
    return undefined;
  }

  get size(): number {
    return 254;
  }
}
