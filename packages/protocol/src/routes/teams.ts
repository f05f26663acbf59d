import { z } from "zod";
import {
  AddTeamMemberBodySchema,
  CreateTeamBodySchema,
  TeamListSchema,
  TeamMemberListSchema,
  TeamMemberSchema,
  TeamSchema,
  UpdateTeamBodySchema,
  UpdateTeamMemberBodySchema,
} from "../teams.js";
import { ERROR_RESPONSES, IdParamsSchema, NoContentSchema } from "./common.js";
import { defineRoute } from "./define.js";

const tags = ["teams"];
export const MemberParamsSchema = z.object({ id: z.string().max(100), user_id: z.string().max(100) });

/** Teams and their members (docs/teams.md). */
export const teamRoutes = {
  "teams.create": defineRoute({
    method: "POST",
    path: "/api/v1/teams",
    tags,
    summary: "Create a team; you become its owner",
    body: CreateTeamBodySchema,
    response: { 201: TeamSchema, ...ERROR_RESPONSES },
  }),
  "teams.list": defineRoute({
    method: "GET",
    path: "/api/v1/teams",
    tags,
    summary: "The teams you belong to, with your role",
    response: { 200: TeamListSchema, ...ERROR_RESPONSES },
  }),
  "teams.get": defineRoute({
    method: "GET",
    path: "/api/v1/teams/:id",
    tags,
    summary: "Get a team you belong to",
    params: IdParamsSchema,
    response: { 200: TeamSchema, ...ERROR_RESPONSES },
  }),
  "teams.update": defineRoute({
    method: "PATCH",
    path: "/api/v1/teams/:id",
    tags,
    summary: "Rename a team or set its embedding model for search (owners and admins); its slug stays",
    params: IdParamsSchema,
    body: UpdateTeamBodySchema,
    response: { 200: TeamSchema, ...ERROR_RESPONSES },
  }),
  "teams.delete": defineRoute({
    method: "DELETE",
    path: "/api/v1/teams/:id",
    tags,
    summary: "Delete a team (owners) that has no sessions left; its providers go with it",
    params: IdParamsSchema,
    response: { 204: NoContentSchema, ...ERROR_RESPONSES },
  }),
  "teams.members.list": defineRoute({
    method: "GET",
    path: "/api/v1/teams/:id/members",
    tags,
    summary: "The team's members and their roles",
    params: IdParamsSchema,
    response: { 200: TeamMemberListSchema, ...ERROR_RESPONSES },
  }),
  "teams.members.add": defineRoute({
    method: "POST",
    path: "/api/v1/teams/:id/members",
    tags,
    summary: "Add an existing user by email with a role (owners and admins; only owners add owners)",
    params: IdParamsSchema,
    body: AddTeamMemberBodySchema,
    response: { 201: TeamMemberSchema, ...ERROR_RESPONSES },
  }),
  "teams.members.update": defineRoute({
    method: "PATCH",
    path: "/api/v1/teams/:id/members/:user_id",
    tags,
    summary: "Change a member's role; a team always keeps an owner",
    params: MemberParamsSchema,
    body: UpdateTeamMemberBodySchema,
    response: { 200: TeamMemberSchema, ...ERROR_RESPONSES },
  }),
  "teams.members.remove": defineRoute({
    method: "DELETE",
    path: "/api/v1/teams/:id/members/:user_id",
    tags,
    summary: "Remove a member, or leave (your own id); the last owner cannot go",
    params: MemberParamsSchema,
    response: { 204: NoContentSchema, ...ERROR_RESPONSES },
  }),
};
