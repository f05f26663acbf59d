/** Every Docker object Strand creates carries these labels; reconcile finds its own by them. */
export const LABELS = {
  managed: "strand.managed",
  session: "strand.session",
  /** The node's id (not its display name): a node reconciles and cleans up only what carries its own. */
  node: "strand.node",
  egress: "strand.egress",
  /** Hash of what the container was created from; a start with another spec makes a new container. */
  spec: "strand.spec",
} as const;

export const names = {
  container: (sessionId: string) => `strand-${sessionId}`,
  network: (sessionId: string) => `strand-${sessionId}`,
  home: (sessionId: string) => `strand-${sessionId}-home`,
  workspace: (sessionId: string) => `strand-${sessionId}-work`,
  dockerData: (sessionId: string) => `strand-${sessionId}-docker`,
};

export function labelsFor(sessionId: string, nodeId: string): Record<string, string> {
  return { [LABELS.managed]: "true", [LABELS.session]: sessionId, [LABELS.node]: nodeId };
}
