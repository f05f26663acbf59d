import type { Runtime } from "@strand/protocol";

/** What a runtime's entry is given to say how it starts for one session. */
export interface RuntimeContext {
  /** The Strand server as the desktop reaches it (the LLM proxy lives there). */
  serverUrl: string;
  /** The only credential the sandbox holds; runtimes use it as their API key. */
  sessionToken: string;
  /** The session's `provider/model`, or null for none. */
  model: string | null;
}

/**
 * One agent runtime, as data: adding a runtime is one entry like this (plus its install line in
 * images/common/runtimes/package.json). Every runtime speaks ACP on stdio; what differs is how
 * it is started and pointed at the proxy.
 */
export interface RuntimeEntry {
  id: Runtime;
  /** What people call it in notices. */
  name: string;
  command(ctx: RuntimeContext): { command: string; args: string[] };
  /** Its own variables, on top of the proxy variables every runtime gets (runtime-env.ts). */
  env?(ctx: RuntimeContext): NodeJS.ProcessEnv;
  /** Files it reads at start (path → content), written just before it starts. */
  files?(ctx: RuntimeContext): Record<string, string>;
  /** Whether agentd offers it the ACP file system (fs/read_text_file, fs/write_text_file). */
  clientFs: boolean;
  /**
   * The `authMethods` id to authenticate with when the general rule (an API-key method whose
   * variables agentd has set) cannot tell; absent: the rule decides, or no authentication.
   */
  authMethod?: string;
  /**
   * What its `initialize` answer offered when this entry was written (pinned version): for the
   * docs. agentd itself always follows the live answer.
   */
  observed: {
    version: string;
    authMethods: string[];
    mcp: ("stdio" | "http" | "sse")[];
    /** `session/load` (replays the thread), `session/resume` (continues without replay). */
    continues: ("load" | "resume")[];
  };
}
