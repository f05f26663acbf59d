import {
  AddTeamMemberBodySchema,
  CreateTeamBodySchema,
  TeamListSchema,
  TeamMemberListSchema,
  TeamMemberSchema,
  TeamSchema,
  UpdateTeamBodySchema,
  UpdateTeamMemberBodySchema,
} from "@strand/protocol";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import type { AppContext } from "../context.js";
import { actorOf } from "../policy/policy.js";
import { ERROR_RESPONSES } from "./error-responses.js";
import { caller } from "./require-auth.js";

const TeamParams = z.object({ id: z.string().max(100) });
const MemberParams = z.object({ id: z.string().max(100), user_id: z.string().max(100) });
const errors = ERROR_RESPONSES;

export const teamRoutes: FastifyPluginAsyncZod<{ ctx: AppContext }> = async (app, { ctx }) => {
  const svc = ctx.teams;
  const tags = ["teams"];
  const actor = (req: Parameters<typeof caller>[0]) => actorOf(caller(req));

  app.post(
    "/teams",
    {
      schema: {
        tags,
        summary: "Create a team; you become its owner",
        body: CreateTeamBodySchema,
        response: { 201: TeamSchema, ...errors },
      },
    },
    async (req, reply) => reply.code(201).send(await svc.create(actor(req), req.body)),
  );

  app.get(
    "/teams",
    {
      schema: {
        tags,
        summary: "The teams you belong to, with your role",
        response: { 200: TeamListSchema, ...errors },
      },
    },
    async (req) => ({ items: await svc.list(actor(req)) }),
  );

  app.get(
    "/teams/:id",
    {
      schema: {
        tags,
        summary: "Get a team you belong to",
        params: TeamParams,
        response: { 200: TeamSchema, ...errors },
      },
    },
    async (req) => svc.get(actor(req), req.params.id),
  );

  app.patch(
    "/teams/:id",
    {
      schema: {
        tags,
        summary: "Rename a team (owners and admins); its slug stays",
        params: TeamParams,
        body: UpdateTeamBodySchema,
        response: { 200: TeamSchema, ...errors },
      },
    },
    async (req) => svc.update(actor(req), req.params.id, req.body),
  );

  app.delete(
    "/teams/:id",
    {
      schema: {
        tags,
        summary: "Delete a team (owners) that has no sessions left; its providers go with it",
        params: TeamParams,
        response: { 204: z.null(), ...errors },
      },
    },
    async (req, reply) => {
      await svc.remove(actor(req), req.params.id);
      return reply.code(204).send(null);
    },
  );

  app.get(
    "/teams/:id/members",
    {
      schema: {
        tags,
        summary: "The team's members and their roles",
        params: TeamParams,
        response: { 200: TeamMemberListSchema, ...errors },
      },
    },
    async (req) => ({ items: await svc.members(actor(req), req.params.id) }),
  );

  app.post(
    "/teams/:id/members",
    {
      schema: {
        tags,
        summary: "Add an existing user by email with a role (owners and admins; only owners add owners)",
        params: TeamParams,
        body: AddTeamMemberBodySchema,
        response: { 201: TeamMemberSchema, ...errors },
      },
    },
    async (req, reply) => reply.code(201).send(await svc.addMember(actor(req), req.params.id, req.body)),
  );

  app.patch(
    "/teams/:id/members/:user_id",
    {
      schema: {
        tags,
        summary: "Change a member's role; a team always keeps an owner",
        params: MemberParams,
        body: UpdateTeamMemberBodySchema,
        response: { 200: TeamMemberSchema, ...errors },
      },
    },
    async (req) => svc.updateMember(actor(req), req.params.id, req.params.user_id, req.body.role),
  );

  app.delete(
    "/teams/:id/members/:user_id",
    {
      schema: {
        tags,
        summary: "Remove a member, or leave (your own id); the last owner cannot go",
        params: MemberParams,
        response: { 204: z.null(), ...errors },
      },
    },
    async (req, reply) => {
      await svc.removeMember(actor(req), req.params.id, req.params.user_id);
      return reply.code(204).send(null);
    },
  );
};
