import { ApiErrorSchema, ErrorCodes, LoginBodySchema, LoginResponseSchema, UserSchema } from "@strand/protocol";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { LOGIN_COOKIE } from "../auth/authenticate.js";
import { login, logout } from "../auth/login.js";
import { LoginThrottle } from "../auth/login-throttle.js";
import { toUser } from "../auth/users.js";
import type { AppContext } from "../context.js";
import { HttpError } from "../lib/http-error.js";
import { caller } from "./require-auth.js";

export const authRoutes: FastifyPluginAsyncZod<{ ctx: AppContext }> = async (app, { ctx }) => {
  const { db } = ctx.database;
  const throttle = new LoginThrottle();

  app.post(
    "/auth/login",
    {
      schema: {
        tags: ["auth"],
        summary: "Log in with email and password; sets an HTTP-only cookie (refused from other origins' pages)",
        security: [],
        body: LoginBodySchema,
        response: { 200: LoginResponseSchema, 401: ApiErrorSchema, 403: ApiErrorSchema, 429: ApiErrorSchema },
      },
    },
    async (req, reply) => {
      const key = `${req.ip}|${req.body.email.trim().toLowerCase()}`;
      const wait = throttle.retryAfter(key);
      if (wait > 0) {
        reply.header("retry-after", String(wait));
        throw new HttpError(
          429,
          ErrorCodes.tooManyAttempts,
          `too many failed logins for this email from your address; try again in ${wait} s`,
        );
      }
      const result = await login(
        db,
        req.body.email,
        req.body.password,
        ctx.config.loginTtlMs,
        req.headers["user-agent"],
      );
      if (!result) {
        throttle.fail(key);
        ctx.metrics.loginFailures.inc();
        throw new HttpError(401, ErrorCodes.invalidCredentials, "wrong email or password");
      }
      throttle.succeed(key);
      reply.setCookie(LOGIN_COOKIE, result.secret, {
        httpOnly: true,
        sameSite: "lax",
        secure: ctx.config.secureCookies,
        path: "/",
        expires: result.expiresAt,
      });
      return { user: toUser(result.user), expires_at: result.expiresAt.toISOString() };
    },
  );

  app.post(
    "/auth/logout",
    {
      schema: {
        tags: ["auth"],
        summary: "End the browser login (the cookie); API tokens are revoked under /tokens",
        response: { 204: z.null() },
      },
    },
    async (req, reply) => {
      const secret = req.cookies[LOGIN_COOKIE];
      if (secret) await logout(db, secret);
      reply.clearCookie(LOGIN_COOKIE, { path: "/" });
      return reply.code(204).send(null);
    },
  );

  app.get(
    "/me",
    {
      schema: {
        tags: ["auth"],
        summary: "The authenticated user",
        response: { 200: UserSchema, 401: ApiErrorSchema },
      },
    },
    async (req) => toUser(caller(req).user),
  );
};
