import { z } from "zod";
import { SpendLimitSchema } from "./providers.js";
import { PullRequestSchema } from "./pull-requests.js";

export const DESKTOPS = ["xfce", "sway", "gnome"] as const;
export const DesktopSchema = z.enum(DESKTOPS).describe("Desktop environment of the sandbox.");

export const RESOLUTIONS = ["720p", "1080p"] as const;
export const ResolutionSchema = z
  .enum(RESOLUTIONS)
  .describe("The desktop's size and stream resolution: 720p (1280x720, the default) or 1080p (1920x1080).");
export type Resolution = z.infer<typeof ResolutionSchema>;
/** Pixels of each resolution; viewers may still resize a running desktop (stream `resize`). */
export const SCREEN_SIZES: Record<Resolution, { width: number; height: number }> = {
  "720p": { width: 1280, height: 720 },
  "1080p": { width: 1920, height: 1080 },
};
export type Desktop = z.infer<typeof DesktopSchema>;

export const RUNTIMES = ["strand-agent", "claude-code", "codex", "gemini", "qwen-code"] as const;
export const RuntimeSchema = z.enum(RUNTIMES).describe("Agent runtime started inside the desktop.");
export type Runtime = z.infer<typeof RuntimeSchema>;

export const PERMISSION_MODES = ["autonomous", "ask"] as const;
export const PermissionModeSchema = z
  .enum(PERMISSION_MODES)
  .describe("`autonomous`: the agent allows its own tool calls inside the sandbox; `ask`: each one waits for you.");
export type PermissionMode = z.infer<typeof PermissionModeSchema>;

export const SESSION_STATES = ["pending", "starting", "ready", "stopping", "stopped", "failed"] as const;
export const SessionStateSchema = z.enum(SESSION_STATES);
export type SessionState = z.infer<typeof SessionStateSchema>;

export const DESIRED_STATES = ["running", "stopped", "deleted"] as const;
export const DesiredStateSchema = z.enum(DESIRED_STATES);
export type DesiredState = z.infer<typeof DesiredStateSchema>;

export const EGRESS_POLICIES = ["allow", "deny"] as const;
export const EgressPolicySchema = z.enum(EGRESS_POLICIES).describe("Whether the session may reach the internet.");
export type EgressPolicy = z.infer<typeof EgressPolicySchema>;

export const RESOURCE_BOUNDS = {
  cpus: { min: 0.25, max: 64, default: 2 },
  memory_mb: { min: 512, max: 262_144, default: 4096 },
  pids: { min: 128, max: 65_536, default: 4096 },
  disk_mb: { min: 1024, max: 1_048_576, default: 20_480 },
} as const;

const bounded = (key: keyof typeof RESOURCE_BOUNDS, unit: string, int: boolean) => {
  const b = RESOURCE_BOUNDS[key];
  const base = int ? z.int() : z.number();
  return base
    .min(b.min, `${key} must be at least ${b.min}${unit}`)
    .max(b.max, `${key} must be at most ${b.max}${unit}`);
};

export const ResourceLimitsSchema = z
  .strictObject({
    cpus: bounded("cpus", " CPUs", false).describe("CPU limit in cores."),
    memory_mb: bounded("memory_mb", " MiB", true).describe("Memory limit in MiB."),
    pids: bounded("pids", " processes", true).describe("Maximum number of processes."),
    disk_mb: bounded("disk_mb", " MiB", true).describe(
      "What the desktop may write, in MiB: workspace, home, Docker data and /tmp together. Past it, writes " +
        "fail inside the session with 'No space left on device'. Can only grow once the session has started.",
    ),
  })
  .meta({ id: "ResourceLimits" });
export type ResourceLimits = z.infer<typeof ResourceLimitsSchema>;

export const DEFAULT_RESOURCES: ResourceLimits = {
  cpus: RESOURCE_BOUNDS.cpus.default,
  memory_mb: RESOURCE_BOUNDS.memory_mb.default,
  pids: RESOURCE_BOUNDS.pids.default,
  disk_mb: RESOURCE_BOUNDS.disk_mb.default,
};

const nameSchema = z.string().trim().min(1, "name must not be empty").max(100, "name must be at most 100 characters");

export const MODEL_PATTERN = /^[A-Za-z0-9][\w.-]*\/\S+$/;
export const ModelSchema = z
  .string()
  .trim()
  .regex(MODEL_PATTERN, "model must be provider/model, e.g. work-anthropic/claude-sonnet-4-5")
  .max(200, "model must be at most 200 characters");

export const SessionSchema = z
  .object({
    id: z.string(),
    owner_id: z.string(),
    team_id: z
      .string()
      .nullable()
      .describe("The team the session belongs to: its members see it, and members and up control it."),
    project_id: z.string().nullable(),
    repo: z.string().nullable().describe("The project repo its workspace holds a clone of."),
    branch: z.string().nullable().describe("The session's own branch: the only one it may push."),
    base: z.string().nullable().describe("The branch it started from and merges into."),
    pull_request: PullRequestSchema.nullable().describe(
      "Its branch's pull request on the repo's upstream host, once opened.",
    ),
    name: z.string(),
    desktop: DesktopSchema,
    resolution: ResolutionSchema,
    runtime: RuntimeSchema,
    model: z.string().nullable(),
    egress: EgressPolicySchema,
    trusted: z
      .boolean()
      .describe(
        "Trusted mode: the session runs its own Docker daemon with emulated privileges (see docs/security.md).",
      ),
    resources: ResourceLimitsSchema,
    permission_mode: PermissionModeSchema,
    desired_state: DesiredStateSchema,
    state: SessionStateSchema,
    state_reason: z.string().nullable().describe("Why the session is in its state, in words a person understands."),
    node_id: z.string().nullable(),
    spend_limit_usd: z.number().nullable().describe("The LLM proxy refuses calls once spend_usd reaches it."),
    spend_usd: z.number().describe("What this session's LLM calls have cost so far, in USD."),
    created_at: z.string(),
    updated_at: z.string(),
    started_at: z.string().nullable(),
    stopped_at: z.string().nullable(),
  })
  .meta({ id: "Session" });
export type Session = z.infer<typeof SessionSchema>;

export const CreateSessionBodySchema = z
  .strictObject({
    name: nameSchema,
    desktop: DesktopSchema.optional().describe("Default: the project's, else xfce."),
    resolution: ResolutionSchema.default("720p"),
    runtime: RuntimeSchema.optional().describe("Default: the project's, else strand-agent."),
    model: ModelSchema.nullable().optional(),
    egress: EgressPolicySchema.default("allow"),
    trusted: z
      .boolean()
      .default(false)
      .describe(
        "Give the session its own Docker daemon by running it with emulated privileges (root-equivalent on the " +
          "host): admins only.",
      ),
    resources: ResourceLimitsSchema.partial().optional(),
    permission_mode: PermissionModeSchema.default("autonomous"),
    spend_limit_usd: SpendLimitSchema.optional(),
    start: z.boolean().default(true).describe("Start the session right away (default true)."),
    team_id: z
      .string()
      .max(100)
      .optional()
      .describe("Make it the team's: its members see it, and members and up control it (you must be a member or up)."),
    project_id: z
      .string()
      .max(100)
      .optional()
      .describe("Work on a project: the workspace starts as a clone of its repo on the session's own branch."),
    repo: z.string().max(100).optional().describe("Which of the project's repos (default: its first)."),
    base: z.string().max(200).optional().describe("Branch to start from and merge into (default: the repo's default)."),
    branch: z
      .string()
      .max(200)
      .optional()
      .describe("The session's branch (default: the project's prefix + the session's name)."),
  })
  .meta({ id: "CreateSessionBody" });
export type CreateSessionBody = z.input<typeof CreateSessionBodySchema>;

export const UpdateSessionBodySchema = z
  .strictObject({
    name: nameSchema.optional(),
    model: ModelSchema.nullable().optional(),
    egress: EgressPolicySchema.optional(),
    trusted: z
      .boolean()
      .optional()
      .describe("Turn trusted mode on (admins only) or off; applies at the session's next start."),
    resources: ResourceLimitsSchema.partial().optional(),
    permission_mode: PermissionModeSchema.optional(),
    spend_limit_usd: SpendLimitSchema.optional(),
  })
  .refine((b) => Object.keys(b).length > 0, {
    message: "send at least one of: name, model, egress, trusted, resources, permission_mode, spend_limit_usd",
  })
  .meta({ id: "UpdateSessionBody" });
export type UpdateSessionBody = z.input<typeof UpdateSessionBodySchema>;

export const ListSessionsQuerySchema = z.strictObject({
  limit: z.coerce.number().int().min(1).max(500).default(100),
  cursor: z.string().optional().describe("`next_cursor` from the previous page."),
  state: SessionStateSchema.optional(),
  team: z
    .string()
    .max(100)
    .optional()
    .describe("Only this team's sessions (a team id), or `personal` for your own that belong to no team."),
});
export type ListSessionsQuery = z.infer<typeof ListSessionsQuerySchema>;

export const SessionListSchema = z
  .object({
    items: z.array(SessionSchema),
    next_cursor: z.string().nullable(),
  })
  .meta({ id: "SessionList" });
export type SessionList = z.infer<typeof SessionListSchema>;
