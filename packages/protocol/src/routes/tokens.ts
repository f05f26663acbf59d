import { z } from "zod";
import { ApiTokenSchema, CreatedTokenSchema, CreateTokenBodySchema } from "../auth.js";
import { ApiErrorSchema } from "../errors.js";
import { defineRoute } from "./define.js";

export const TokenListSchema = z.object({ items: z.array(ApiTokenSchema) });
export type TokenList = z.infer<typeof TokenListSchema>;

const tags = ["tokens"];

export const tokenRoutes = {
  "tokens.create": defineRoute({
    method: "POST",
    path: "/api/v1/tokens",
    tags,
    summary: "Create an API token; the secret is in this response only",
    body: CreateTokenBodySchema,
    response: { 201: CreatedTokenSchema, 400: ApiErrorSchema },
  }),
  "tokens.list": defineRoute({
    method: "GET",
    path: "/api/v1/tokens",
    tags,
    summary: "List your API tokens (never their secrets)",
    response: { 200: TokenListSchema },
  }),
  "tokens.revoke": defineRoute({
    method: "DELETE",
    path: "/api/v1/tokens/:id",
    tags,
    summary: "Revoke an API token; it stops working at once",
    // Unbounded, as the server has always taken it: an unknown id of any length is a 404.
    params: z.object({ id: z.string() }),
    response: { 200: ApiTokenSchema, 404: ApiErrorSchema },
  }),
};
