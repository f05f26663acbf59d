import type { DiskLimitMode } from "./nodes.js";
import type { Desktop, EgressPolicy, PermissionMode, Resolution, ResourceLimits, Runtime } from "./sessions.js";

/** Everything a node needs to run one session's desktop. */
export interface SessionSpec {
  id: string;
  desktop: Desktop;
  resources: ResourceLimits;
  egress: EgressPolicy;
  /** Run the session's own Docker daemon with emulated privileges (trusted mode). */
  trusted: boolean;
  /** Per-session credential; the only secret a sandbox ever holds. */
  sessionToken: string;
  /**
   * The agent runtime, model and permission mode, passed to agentd as STRAND_RUNTIME, STRAND_MODEL
   * and STRAND_PERMISSION_MODE. Optional for nodes of older servers; the server's `session.settings`
   * message over the agent link is what agentd finally follows.
   */
  runtime?: Runtime;
  model?: string | null;
  permissionMode?: PermissionMode;
  /** The desktop's size (STRAND_SCREEN_WIDTH/HEIGHT in the container); 720p when absent. */
  resolution?: Resolution;
}

/** What a node observed about a session it runs. */
export interface SessionStatus {
  id: string;
  running: boolean;
  /** Why it is not running when it should be, in words for people. */
  reason?: string;
}

/**
 * The server's view of a sandbox node. The embedded node implements it in-process; a remote
 * node (`strand node`) implements it over its WebSocket.
 */
export interface SandboxDriver {
  /**
   * The node's identity: generated once per data dir (or state dir) and stamped on every Docker
   * object and firewall chain it makes, so two Strands on one Docker Engine never touch each other's.
   */
  readonly id: string;
  /** For people (GET /api/v1/nodes, logs); not unique. */
  readonly name: string;
  readonly maxSessions: number;
  /** How this node bounds a session's disk_mb, and why not when it cannot. */
  readonly diskLimits: { mode: DiskLimitMode; note?: string };
  /** Creates (or adopts) and starts the session's network, volumes and container. */
  start(spec: SessionSpec, onProgress?: (step: string) => void): Promise<void>;
  /** Stops the container; network and volumes stay so the workspace survives. */
  stop(sessionId: string): Promise<void>;
  /** Removes container, network and volumes. Idempotent. */
  remove(sessionId: string): Promise<void>;
  /** Sessions this node currently has resources for. */
  list(): Promise<SessionStatus[]>;
  /**
   * Removes every container, network and volume this node labelled for a session not in `keep`
   * (leftovers of a crash or of a delete the server never saw finish). Returns the session ids removed.
   */
  reconcile(keep: ReadonlySet<string>): Promise<string[]>;
  /** Last lines the session's desktop printed, to explain a failure; "" when unknown. */
  logs?(sessionId: string): Promise<string>;
  /**
   * Free MiB where the node keeps session disks and Docker's data (the smaller of the two), with
   * the path that has it; undefined when unknown.
   */
  diskFree?(): Promise<{ freeMb: number; path: string } | undefined>;
}
