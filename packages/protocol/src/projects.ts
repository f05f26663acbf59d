import { z } from "zod";
import { RepoPullRequestSettingsSchema } from "./pull-requests.js";
import { DesktopSchema, ModelSchema, RuntimeSchema } from "./sessions.js";
import { WipLimitsSchema } from "./tasks.js";

export const MERGE_STRATEGIES = ["fast-forward", "merge", "squash"] as const;
export const MergeStrategySchema = z.enum(MERGE_STRATEGIES, {
  error: () => "merge_strategy must be one of: fast-forward, merge, squash",
});
export type MergeStrategyName = z.infer<typeof MergeStrategySchema>;

const projectNameSchema = z
  .string()
  .trim()
  .min(1, "name must not be empty")
  .max(80, "name must be at most 80 characters");

const branchPatternSchema = z
  .string()
  .trim()
  .min(1)
  .max(200)
  .regex(/^[A-Za-z0-9._\-/*]+$/, "protected branch names may hold letters, digits, . _ - / and * only");

const ProjectResourcesSchema = z.strictObject({
  cpus: z.number().min(0.25).max(64).optional(),
  memory_mb: z.number().int().min(256).max(262_144).optional(),
});

const projectSettings = {
  desktop: DesktopSchema.nullable().optional().describe("Default desktop for its sessions."),
  runtime: RuntimeSchema.nullable().optional().describe("Default agent runtime for its sessions."),
  model: ModelSchema.nullable().optional().describe("Default model (provider/model) for its sessions."),
  resources: ProjectResourcesSchema.optional().describe("Default CPU and memory for its sessions."),
  branch_prefix: z
    .string()
    .trim()
    .max(60)
    .regex(/^[A-Za-z0-9._\-/]*$/, "branch_prefix may hold letters, digits, . _ - and / only")
    .optional()
    .describe("Sessions' branches start with it (default `strand/`)."),
  protected_branches: z
    .array(branchPatternSchema)
    .max(50)
    .nullable()
    .optional()
    .describe("Branches sessions may never push to (`*` patterns allowed); null = each repo's default branch."),
  merge_strategy: MergeStrategySchema.optional().describe("How a session's branch is merged (default merge)."),
  checkpoints: z
    .boolean()
    .optional()
    .describe("Commit and push uncommitted work at the end of each turn (default true)."),
  wip_limits: WipLimitsSchema.optional().describe(
    "Board WIP limits per column (defaults: planning 3, spec_review 5, in_progress 5); a task held by one says so.",
  ),
};

export const ProjectSchema = z
  .object({
    id: z.string(),
    slug: z.string().describe("In git URLs: /git/<slug>/<repo>.git; kept on rename."),
    name: z.string(),
    owner_id: z.string(),
    team_id: z.string().nullable(),
    desktop: DesktopSchema.nullable(),
    runtime: RuntimeSchema.nullable(),
    model: z.string().nullable(),
    resources: z.object({ cpus: z.number().nullable(), memory_mb: z.number().nullable() }),
    branch_prefix: z.string(),
    protected_branches: z.array(z.string()).nullable(),
    merge_strategy: MergeStrategySchema,
    checkpoints: z.boolean(),
    wip_limits: z.object({ planning: z.number(), spec_review: z.number(), in_progress: z.number() }),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .meta({ id: "Project" });
export type Project = z.infer<typeof ProjectSchema>;

export const ProjectListSchema = z.object({ items: z.array(ProjectSchema) }).meta({ id: "ProjectList" });

export const CreateProjectBodySchema = z
  .strictObject({
    name: projectNameSchema,
    team_id: z.string().max(100).optional().describe("Make it the team's (members and up)."),
    ...projectSettings,
  })
  .meta({ id: "CreateProjectBody" });
export type CreateProjectBody = z.input<typeof CreateProjectBodySchema>;

export const UpdateProjectBodySchema = z
  .strictObject({ name: projectNameSchema.optional(), ...projectSettings })
  .refine((b) => Object.keys(b).length > 0, { message: "send at least one setting to change" })
  .meta({ id: "UpdateProjectBody" });
export type UpdateProjectBody = z.input<typeof UpdateProjectBodySchema>;

export const RepoSchema = z
  .object({
    id: z.string(),
    project_id: z.string(),
    name: z.string(),
    clone_url: z.string().describe("git clone it over HTTP: any user name, an API token as the password."),
    default_branch: z.string(),
    upstream_url: z.string().nullable().describe("Where it was imported from (credentials never shown)."),
    pull_requests: RepoPullRequestSettingsSchema.nullable().describe(
      "Where its sessions' pull requests go; null when the upstream is not a host Strand can tell (set host_kind).",
    ),
    created_at: z.string(),
  })
  .meta({ id: "Repo" });
export type Repo = z.infer<typeof RepoSchema>;

export const RepoListSchema = z.object({ items: z.array(RepoSchema) }).meta({ id: "RepoList" });

export const CreateRepoBodySchema = z
  .strictObject({
    name: z
      .string()
      .trim()
      .regex(/^[a-z0-9][a-z0-9._-]{0,62}$/, "name must be lower-case letters, digits, . _ - (up to 63), e.g. api")
      .refine((n) => !n.endsWith(".git"), "leave .git off the name"),
    import_url: z
      .string()
      .trim()
      .max(2000)
      .optional()
      .describe("Import from this http(s), ssh or git URL (file:// is refused); empty repo when left out."),
    import_username: z.string().max(200).optional(),
    import_password: z
      .string()
      .max(4096)
      .optional()
      .describe("Password or token for the upstream; stored encrypted, never returned, never in a sandbox."),
    default_branch: z.string().trim().max(200).optional().describe("For a new empty repo (default main)."),
  })
  .meta({ id: "CreateRepoBody" });
export type CreateRepoBody = z.input<typeof CreateRepoBodySchema>;

export const BranchSchema = z.object({ name: z.string(), commit: z.string(), updated_at: z.string() });
export const CommitSchema = z.object({
  sha: z.string(),
  subject: z.string(),
  author_name: z.string(),
  author_email: z.string(),
  authored_at: z.string(),
});
export const RepoDetailSchema = RepoSchema.extend({
  branches: z.array(BranchSchema),
  recent_commits: z.array(CommitSchema),
}).meta({ id: "RepoDetail" });

export const FileChangeSchema = z.object({
  path: z.string(),
  old_path: z.string().optional().describe("For a rename or copy: where it came from."),
  status: z.enum(["added", "modified", "deleted", "renamed", "copied", "type_changed"]),
  additions: z.number().int(),
  deletions: z.number().int(),
  binary: z.boolean(),
  patch: z.string().describe("Unified diff of this file (empty for binary files)."),
  truncated: z.boolean().describe("The patch was cut at 256 KiB."),
});
export const ChangesSchema = z
  .object({
    base: z.string().describe("The merge base: what the branch's work is compared against."),
    head: z.string(),
    branch: z.string(),
    base_branch: z.string(),
    files: z.array(FileChangeSchema),
  })
  .meta({ id: "Changes" });
export type Changes = z.infer<typeof ChangesSchema>;

export const MergeBodySchema = z
  .strictObject({ strategy: MergeStrategySchema.optional().describe("Default: the project's merge strategy.") })
  .meta({ id: "MergeBody" });
export const MergeResultSchema = z
  .object({ commit: z.string(), base_branch: z.string(), strategy: MergeStrategySchema })
  .meta({ id: "MergeResult" });
export type MergeResult = z.infer<typeof MergeResultSchema>;
