import { ApiErrorSchema } from "../errors.js";
import {
  CreateProviderBodySchema,
  ProviderListSchema,
  ProviderModelListSchema,
  ProviderSchema,
  ProviderTestResultSchema,
  TestProviderBodySchema,
  UpdateProviderBodySchema,
} from "../providers.js";
import { ERROR_RESPONSES, IdParamsSchema } from "./common.js";
import { defineRoute } from "./define.js";

const tags = ["providers"];

/** LLM providers (docs/providers.md). */
export const providerRoutes = {
  "providers.create": defineRoute({
    method: "POST",
    path: "/api/v1/providers",
    tags,
    summary: "Add an LLM provider; its key is stored encrypted and never returned",
    body: CreateProviderBodySchema,
    response: { 201: ProviderSchema, ...ERROR_RESPONSES },
  }),
  "providers.list": defineRoute({
    method: "GET",
    path: "/api/v1/providers",
    tags,
    summary: "Your providers and the shared ones, by name",
    response: { 200: ProviderListSchema, ...ERROR_RESPONSES },
  }),
  "providers.get": defineRoute({
    method: "GET",
    path: "/api/v1/providers/:id",
    tags,
    summary: "Get one provider",
    params: IdParamsSchema,
    response: { 200: ProviderSchema, ...ERROR_RESPONSES },
  }),
  "providers.update": defineRoute({
    method: "PATCH",
    path: "/api/v1/providers/:id",
    tags,
    summary: "Rename a provider, or change its URL or key (api_key: null removes the key)",
    params: IdParamsSchema,
    body: UpdateProviderBodySchema,
    response: { 200: ProviderSchema, ...ERROR_RESPONSES },
  }),
  "providers.delete": defineRoute({
    method: "DELETE",
    path: "/api/v1/providers/:id",
    tags,
    summary: "Delete a provider; models named after it stop resolving at once",
    params: IdParamsSchema,
    response: { 200: ProviderSchema, ...ERROR_RESPONSES },
  }),
  "providers.models": defineRoute({
    method: "GET",
    path: "/api/v1/providers/:id/models",
    tags,
    summary: "Ask the provider which models it has",
    params: IdParamsSchema,
    response: { 200: ProviderModelListSchema, 502: ApiErrorSchema, ...ERROR_RESPONSES },
  }),
  "providers.test": defineRoute({
    method: "POST",
    path: "/api/v1/providers/:id/test",
    tags,
    summary: "Check that Strand can reach the provider with its key (ok: false says what is wrong)",
    params: IdParamsSchema,
    body: TestProviderBodySchema.nullish(),
    response: { 200: ProviderTestResultSchema, ...ERROR_RESPONSES },
  }),
};
