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
    created_at: z.string(),
    updated_at: z.string(),
  })
  .meta({ id: "Team" });
export type Team = z.infer<typeof TeamSchema>;

export const TeamListSchema = z.object({ items: z.array(TeamSchema) }).meta({ id: "TeamList" });
export type TeamList = z.infer<typeof TeamListSchema>;

export const CreateTeamBodySchema = z.strictObject({ name: teamNameSchema }).meta({ id: "CreateTeamBody" });
export type CreateTeamBody = z.input<typeof CreateTeamBodySchema>;

export const UpdateTeamBodySchema = z.strictObject({ name: teamNameSchema }).meta({ id: "UpdateTeamBody" });
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
