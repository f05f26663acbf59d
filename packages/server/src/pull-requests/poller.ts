import type { Logger } from "pino";
import type { PullRequestService } from "./service.js";

/**
 * The fallback for webhooks that never arrived (no webhook configured, the host could not reach
 * this server, a delivery lost): every `intervalMs`, asks the hosts about open pull requests not
 * polled within that time. Safe on every replica at once (rows are claimed with SKIP LOCKED).
 */
export class PullRequestPoller {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> | undefined;

  constructor(
    private readonly service: PullRequestService,
    private readonly log: Logger,
    private readonly intervalMs: number,
  ) {}

  start(): void {
    this.timer = setInterval(() => {
      // A round slower than the interval (many pull requests, a slow host) is not stacked on.
      if (this.running) return;
      this.running = this.service
        .pollRound({ olderThanMs: this.intervalMs })
        .catch((err: unknown) => this.log.warn({ err }, "pull request poll: the round failed"))
        .finally(() => {
          this.running = undefined;
        });
    }, this.intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }
}
