import { z } from "zod";

/** Strongest first: owners manage everything, admins members and settings, members work, viewers watch. */
export const TEAM_ROLE_VALUES = ["owner", "admin", "member", "viewer"] as const;
export const TeamRoleSchema = z.enum(TEAM_ROLE_VALUES, {
  error: () => "role must be one of: owner, admin, member, viewer",
});
export type TeamRoleName = z.infer<typeof TeamRoleSchema>;

const teamNameSchema = z.string().trim().min(1, "name must not be empty").max(80, "name must be at most 80 characters");

export const TeamSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    slug: z.string().describe("URL-safe, unique; set from the name at creation and kept on rename."),
    role: TeamRoleSchema.describe("Your role in the team."),
    member_count: z.number().int(),
    embedding_model: z
      .string()
      .nullable()
      .describe(
        "provider/model the team's conversations are embedded with for semantic search (docs/search.md); " +
          "null: the server's STRAND_SEARCH_EMBEDDING_MODEL, if any.",
      ),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .meta({ id: "Team" });
export type Team = z.infer<typeof TeamSchema>;

export const TeamListSchema = z.object({ items: z.array(TeamSchema) }).meta({ id: "TeamList" });
export type TeamList = z.infer<typeof TeamListSchema>;

export const CreateTeamBodySchema = z.strictObject({ name: teamNameSchema }).meta({ id: "CreateTeamBody" });
export type CreateTeamBody = z.input<typeof CreateTeamBodySchema>;

/** `provider/model`: a provider name, a slash, and the model id (which may hold slashes itself). */
export const EmbeddingModelSchema = z
  .string()
  .trim()
  .max(200, "embedding_model must be at most 200 characters")
  .regex(/^[^/\s]+\/\S+$/, "embedding_model must be provider/model, e.g. work-openai/text-embedding-3-small");

export const UpdateTeamBodySchema = z
  .strictObject({
    name: teamNameSchema.optional(),
    embedding_model: EmbeddingModelSchema.nullable()
      .optional()
      .describe(
        "Semantic search for the team's conversations with this model (one of the team's or a shared provider); null: the server's.",
      ),
  })
  .refine((b) => b.name !== undefined || b.embedding_model !== undefined, {
    message: "give name or embedding_model",
  })
  .meta({ id: "UpdateTeamBody" });
export type UpdateTeamBody = z.input<typeof UpdateTeamBodySchema>;

export const TeamMemberSchema = z
  .object({
    user_id: z.string(),
    email: z.string(),
    name: z.string(),
    role: TeamRoleSchema,
    created_at: z.string(),
  })
  .meta({ id: "TeamMember" });
export type TeamMember = z.infer<typeof TeamMemberSchema>;

export const TeamMemberListSchema = z.object({ items: z.array(TeamMemberSchema) }).meta({ id: "TeamMemberList" });
export type TeamMemberList = z.infer<typeof TeamMemberListSchema>;

export const AddTeamMemberBodySchema = z
  .strictObject({
    email: z.string().trim().toLowerCase().email("email must be an email address of an existing Strand user"),
    role: TeamRoleSchema.default("member"),
  })
  .meta({ id: "AddTeamMemberBody" });
export type AddTeamMemberBody = z.input<typeof AddTeamMemberBodySchema>;

export const UpdateTeamMemberBodySchema = z.strictObject({ role: TeamRoleSchema }).meta({ id: "UpdateTeamMemberBody" });
export type UpdateTeamMemberBody = z.input<typeof UpdateTeamMemberBodySchema>;
