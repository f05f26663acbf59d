import { z } from "zod";
import { SpendLimitSchema } from "./providers.js";

export const UserSchema = z
  .object({
    id: z.string(),
    email: z.string(),
    name: z.string(),
    is_admin: z.boolean(),
    spend_limit_usd: z.number().nullable().describe("Monthly (UTC calendar month) LLM spend limit set by an admin."),
    spend_this_month_usd: z.number().describe("LLM spend of all this user's sessions this month, in USD."),
    created_at: z.string(),
  })
  .meta({ id: "User" });
export type User = z.infer<typeof UserSchema>;

const emailSchema = z
  .email("email must be a valid address, e.g. ada@example.com")
  .max(254)
  .transform((s) => s.toLowerCase());

export const PASSWORD_MIN_LENGTH = 10;
const passwordSchema = z
  .string()
  .min(PASSWORD_MIN_LENGTH, `password must be at least ${PASSWORD_MIN_LENGTH} characters`)
  .max(1024, "password must be at most 1024 characters");

export const LoginBodySchema = z
  .strictObject({
    email: z.string().trim().min(1, "email is required").max(254),
    password: z.string().min(1, "password is required").max(1024),
  })
  .meta({ id: "LoginBody" });
export type LoginBody = z.infer<typeof LoginBodySchema>;

export const LoginResponseSchema = z.object({ user: UserSchema, expires_at: z.string() }).meta({ id: "LoginResponse" });
export type LoginResponse = z.infer<typeof LoginResponseSchema>;

export const CreateUserBodySchema = z
  .strictObject({
    email: emailSchema,
    name: z.string().trim().min(1).max(100).optional(),
    password: passwordSchema,
    is_admin: z.boolean().default(false),
    spend_limit_usd: SpendLimitSchema.optional(),
  })
  .meta({ id: "CreateUserBody" });
export type CreateUserBody = z.input<typeof CreateUserBodySchema>;

export const UpdateUserBodySchema = z
  .strictObject({
    name: z.string().trim().min(1).max(100).optional(),
    spend_limit_usd: SpendLimitSchema.optional(),
  })
  .refine((b) => Object.keys(b).length > 0, { message: "send at least one of: name, spend_limit_usd" })
  .meta({ id: "UpdateUserBody" });
export type UpdateUserBody = z.input<typeof UpdateUserBodySchema>;

export const ApiTokenSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    prefix: z.string().describe("First characters of the token, to recognise it."),
    created_at: z.string(),
    last_used_at: z.string().nullable(),
    expires_at: z.string().nullable(),
    revoked_at: z.string().nullable(),
  })
  .meta({ id: "ApiToken" });
export type ApiToken = z.infer<typeof ApiTokenSchema>;

export const CreateTokenBodySchema = z
  .strictObject({
    name: z.string().trim().min(1, "name must not be empty").max(100, "name must be at most 100 characters"),
    expires_in_days: z.int().min(1).max(3650).optional(),
  })
  .meta({ id: "CreateTokenBody" });
export type CreateTokenBody = z.infer<typeof CreateTokenBodySchema>;

export const CreatedTokenSchema = ApiTokenSchema.extend({
  token: z.string().describe("The secret. Shown once: store it now."),
}).meta({ id: "CreatedToken" });
export type CreatedToken = z.infer<typeof CreatedTokenSchema>;

/** Prefix of every API token, so leaked tokens are easy to spot and scan for. */
export const API_TOKEN_PREFIX = "strand_";
