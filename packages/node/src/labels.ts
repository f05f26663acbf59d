/** Every Docker object Strand creates carries these labels; reconcile finds its own by them. */
export const LABELS = {
  managed: "strand.managed",
  session: "strand.session",
  node: "strand.node",
  egress: "strand.egress",
} as const;

export const names = {
  container: (sessionId: string) => `strand-${sessionId}`,
  network: (sessionId: string) => `strand-${sessionId}`,
  workspace: (sessionId: string) => `strand-${sessionId}-work`,
  dockerData: (sessionId: string) => `strand-${sessionId}-docker`,
};

export function labelsFor(sessionId: string, nodeName: string): Record<string, string> {
  return { [LABELS.managed]: "true", [LABELS.session]: sessionId, [LABELS.node]: nodeName };
}
