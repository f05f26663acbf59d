/** agentd's logger: JSON lines on stderr, which `docker logs` (and so the node) can read. */
export type Log = (level: "debug" | "info" | "warn" | "error", msg: string, extra?: Record<string, unknown>) => void;

export const stderrLog: Log = (level, msg, extra = {}) => {
  if (level === "debug" && !process.env.STRAND_AGENTD_DEBUG) return;
  process.stderr.write(`${JSON.stringify({ level, time: Date.now(), service: "strand-agentd", msg, ...extra })}\n`);
};
