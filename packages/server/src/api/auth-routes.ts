import { ErrorCodes, ROUTES } from "@strand/protocol";
import type { FastifyPluginAsync } from "fastify";
import { LOGIN_COOKIE } from "../auth/authenticate.js";
import { login, logout } from "../auth/login.js";
import { LoginThrottle } from "../auth/login-throttle.js";
import { toUser } from "../auth/users.js";
import type { AppContext } from "../context.js";
import { HttpError } from "../lib/http-error.js";
import { registerRoute } from "./register-route.js";
import { caller } from "./require-auth.js";

export const authRoutes: FastifyPluginAsync<{ ctx: AppContext }> = async (app, { ctx }) => {
  const { db } = ctx.database;
  const throttle = new LoginThrottle();

  registerRoute(app, ROUTES["auth.login"], async (req, reply) => {
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
    const result = await login(db, req.body.email, req.body.password, ctx.config.loginTtlMs, req.headers["user-agent"]);
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
  });

  registerRoute(app, ROUTES["auth.logout"], async (req, reply) => {
    const secret = req.cookies[LOGIN_COOKIE];
    if (secret) await logout(db, secret);
    reply.clearCookie(LOGIN_COOKIE, { path: "/" });
    return reply.code(204).send(null);
  });

  registerRoute(app, ROUTES["auth.me"], async (req) => toUser(caller(req).user));
};
