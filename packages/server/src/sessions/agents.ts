import type { SessionService } from "./service.js";

/** What happens when a session's agentd connects: a starting session becomes ready. */
export class AgentPresence {
  onConnected: ((sessionId: string) => void) | undefined;

  constructor(private readonly sessions: SessionService) {}

  async onHello(sessionId: string): Promise<void> {
    this.onConnected?.(sessionId);
    const s = await this.sessions.getAny(sessionId);
    if (s.state === "starting") await this.sessions.transition(sessionId, "ready", null);
  }
}
