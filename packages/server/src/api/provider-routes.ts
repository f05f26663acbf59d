import {
  ApiErrorSchema,
  CreateProviderBodySchema,
  ErrorCodes,
  ProviderListSchema,
  ProviderModelListSchema,
  ProviderSchema,
  ProviderTestResultSchema,
  TestProviderBodySchema,
  UpdateProviderBodySchema,
} from "@strand/protocol";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import type { AppContext } from "../context.js";
import { HttpError } from "../lib/http-error.js";
import { actorOf } from "../policy/policy.js";
import { discoverModels, ProviderCallError, testProvider } from "../providers/discovery.js";
import { ERROR_RESPONSES } from "./error-responses.js";
import { caller } from "./require-auth.js";

const Params = z.object({ id: z.string().max(100) });
const errors = ERROR_RESPONSES;

export const providerRoutes: FastifyPluginAsyncZod<{ ctx: AppContext }> = async (app, { ctx }) => {
  const store = ctx.providers;
  const net = { dispatcher: ctx.upstream, guard: store.guard };
  const tags = ["providers"];
  const actor = (req: Parameters<typeof caller>[0]) => actorOf(caller(req));

  app.post(
    "/providers",
    {
      schema: {
        tags,
        summary: "Add an LLM provider; its key is stored encrypted and never returned",
        body: CreateProviderBodySchema,
        response: { 201: ProviderSchema, ...errors },
      },
    },
    async (req, reply) => reply.code(201).send(await store.create(actor(req), req.body)),
  );

  app.get(
    "/providers",
    {
      schema: {
        tags,
        summary: "Your providers and the shared ones, by name",
        response: { 200: ProviderListSchema, ...errors },
      },
    },
    async (req) => ({ items: await store.list(actor(req)) }),
  );

  app.get(
    "/providers/:id",
    { schema: { tags, summary: "Get one provider", params: Params, response: { 200: ProviderSchema, ...errors } } },
    async (req) => store.get(actor(req), req.params.id),
  );

  app.patch(
    "/providers/:id",
    {
      schema: {
        tags,
        summary: "Rename a provider, or change its URL or key (api_key: null removes the key)",
        params: Params,
        body: UpdateProviderBodySchema,
        response: { 200: ProviderSchema, ...errors },
      },
    },
    async (req) => store.update(actor(req), req.params.id, req.body),
  );

  app.delete(
    "/providers/:id",
    {
      schema: {
        tags,
        summary: "Delete a provider; models named after it stop resolving at once",
        params: Params,
        response: { 200: ProviderSchema, ...errors },
      },
    },
    async (req) => store.remove(actor(req), req.params.id),
  );

  app.get(
    "/providers/:id/models",
    {
      schema: {
        tags,
        summary: "Ask the provider which models it has",
        params: Params,
        response: { 200: ProviderModelListSchema, 502: ApiErrorSchema, ...errors },
      },
    },
    async (req) => {
      const p = await store.resolveById(actor(req), req.params.id);
      try {
        const models = await discoverModels(net, p);
        return { items: models.map((m) => ({ ...m, model: `${p.name}/${m.id}` })) };
      } catch (err) {
        if (!(err instanceof ProviderCallError)) throw err;
        const code =
          err.error === "address_refused"
            ? ErrorCodes.providerAddressRefused
            : err.error === "unreachable" || err.error === "timeout"
              ? ErrorCodes.providerUnreachable
              : ErrorCodes.providerError;
        throw new HttpError(502, code, `listing the models of ${p.name} failed: ${err.message}`, {
          reason: err.error,
          status: err.status,
        });
      }
    },
  );

  app.post(
    "/providers/:id/test",
    {
      schema: {
        tags,
        summary: "Check that Strand can reach the provider with its key (ok: false says what is wrong)",
        params: Params,
        body: TestProviderBodySchema.nullish(),
        response: { 200: ProviderTestResultSchema, ...errors },
      },
    },
    async (req) => {
      const p = await store.resolveById(actor(req), req.params.id);
      return testProvider(net, p, req.body?.model);
    },
  );
};
