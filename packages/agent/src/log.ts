/**
 * strand-agent's logger: JSON lines on stderr. stdout belongs to the ACP connection, so nothing
 * else may ever write there; agentd forwards stderr into its own log.
 */
export type Log = (level: "debug" | "info" | "warn" | "error", msg: string, extra?: Record<string, unknown>) => void;

export const stderrLog: Log = (level, msg, extra = {}) => {
  if (level === "debug" && !process.env.STRAND_AGENT_DEBUG) return;
  process.stderr.write(`${JSON.stringify({ level, time: Date.now(), service: "strand-agent", msg, ...extra })}\n`);
};

export const silentLog: Log = () => {};
