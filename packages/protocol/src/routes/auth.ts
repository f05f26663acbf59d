import { LoginBodySchema, LoginResponseSchema, UserSchema } from "../auth.js";
import { ApiErrorSchema } from "../errors.js";
import { NoContentSchema } from "./common.js";
import { defineRoute } from "./define.js";

const tags = ["auth"];

export const authRoutes = {
  "auth.login": defineRoute({
    method: "POST",
    path: "/api/v1/auth/login",
    auth: "public",
    tags,
    summary: "Log in with email and password; sets an HTTP-only cookie (refused from other origins' pages)",
    body: LoginBodySchema,
    response: { 200: LoginResponseSchema, 401: ApiErrorSchema, 403: ApiErrorSchema, 429: ApiErrorSchema },
  }),
  "auth.logout": defineRoute({
    method: "POST",
    path: "/api/v1/auth/logout",
    tags,
    summary: "End the browser login (the cookie); API tokens are revoked under /tokens",
    response: { 204: NoContentSchema },
  }),
  "auth.me": defineRoute({
    method: "GET",
    path: "/api/v1/me",
    tags,
    summary: "The authenticated user",
    response: { 200: UserSchema, 401: ApiErrorSchema },
  }),
};
