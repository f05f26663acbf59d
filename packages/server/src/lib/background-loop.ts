/**
 * A step run again and again in the background: each run says how long to wait before the next.
 * One run at a time; `wake` brings the next run forward (right after the current one, if one is
 * going); `stop` waits for the run in flight. The step handles its own errors: a throw is a bug
 * and ends the loop, rather than retrying it in a tight loop.
 */
export class BackgroundLoop {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;
  private again = false;

  constructor(private readonly step: () => Promise<number>) {}

  start(): void {
    this.schedule(0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }

  wake(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    clearTimeout(this.timer);
    this.schedule(0);
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.running = this.step().then((next) => {
        this.running = undefined;
        const now = this.again;
        this.again = false;
        this.schedule(now ? 0 : next);
      });
    }, ms);
    this.timer.unref();
  }
}
