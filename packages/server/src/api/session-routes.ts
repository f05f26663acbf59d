import {
  CreateSessionBodySchema,
  ListSessionsQuerySchema,
  SessionListSchema,
  SessionSchema,
  UpdateSessionBodySchema,
} from "@strand/protocol";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import type { AppContext } from "../context.js";
import { actorOf } from "../policy/policy.js";
import { ERROR_RESPONSES } from "./error-responses.js";
import { caller } from "./require-auth.js";

const Params = z.object({ id: z.string().max(100) });
const errors = ERROR_RESPONSES;

export const sessionRoutes: FastifyPluginAsyncZod<{ ctx: AppContext }> = async (app, { ctx }) => {
  const svc = ctx.sessions;
  const tags = ["sessions"];

  app.post(
    "/sessions",
    {
      schema: {
        tags,
        summary: "Create a session (a desktop with an agent); it starts unless `start` is false",
        body: CreateSessionBodySchema,
        response: { 201: SessionSchema, ...errors },
      },
    },
    async (req, reply) => reply.code(201).send(await svc.create(actorOf(caller(req)), req.body)),
  );

  app.get(
    "/sessions",
    {
      schema: {
        tags,
        summary: "List your sessions, newest first",
        querystring: ListSessionsQuerySchema,
        response: { 200: SessionListSchema, ...errors },
      },
    },
    async (req) => svc.list(actorOf(caller(req)), req.query),
  );

  app.get(
    "/sessions/:id",
    { schema: { tags, summary: "Get one session", params: Params, response: { 200: SessionSchema, ...errors } } },
    async (req) => svc.get(actorOf(caller(req)), req.params.id),
  );

  app.patch(
    "/sessions/:id",
    {
      schema: {
        tags,
        summary:
          "Rename a session or change its model, egress, trusted mode, spend limit or resources (trusted mode and " +
          "resources apply at its next start)",
        params: Params,
        body: UpdateSessionBodySchema,
        response: { 200: SessionSchema, ...errors },
      },
    },
    async (req) => svc.update(actorOf(caller(req)), req.params.id, req.body),
  );

  app.delete(
    "/sessions/:id",
    {
      schema: {
        tags,
        summary: "Delete a session with its container and volumes; 202 while a node tears it down",
        params: Params,
        response: { 200: SessionSchema, 202: SessionSchema, ...errors },
      },
    },
    async (req, reply) => {
      const { session, deleted } = await svc.remove(actorOf(caller(req)), req.params.id);
      return reply.code(deleted ? 200 : 202).send(session);
    },
  );

  app.post(
    "/sessions/:id/stop",
    {
      schema: {
        tags,
        summary: "Stop a session; its workspace is kept (idempotent)",
        params: Params,
        response: { 200: SessionSchema, ...errors },
      },
    },
    async (req) => svc.stop(actorOf(caller(req)), req.params.id),
  );

  app.post(
    "/sessions/:id/start",
    {
      schema: {
        tags,
        summary: "Start a stopped or failed session (idempotent)",
        params: Params,
        response: { 200: SessionSchema, ...errors },
      },
    },
    async (req) => svc.start(actorOf(caller(req)), req.params.id),
  );
};
