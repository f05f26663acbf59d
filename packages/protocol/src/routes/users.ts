import { z } from "zod";
import { CreateUserBodySchema, UpdateUserBodySchema, UserSchema } from "../auth.js";
import { ApiErrorSchema } from "../errors.js";
import { IdParamsSchema } from "./common.js";
import { defineRoute } from "./define.js";

export const UserListSchema = z.object({ items: z.array(UserSchema) });
export type UserList = z.infer<typeof UserListSchema>;

const tags = ["users"];

export const userRoutes = {
  "users.create": defineRoute({
    method: "POST",
    path: "/api/v1/users",
    auth: "admin",
    tags,
    summary: "Create a user (admins only)",
    body: CreateUserBodySchema,
    response: { 201: UserSchema, 400: ApiErrorSchema, 403: ApiErrorSchema, 409: ApiErrorSchema },
  }),
  "users.list": defineRoute({
    method: "GET",
    path: "/api/v1/users",
    auth: "admin",
    tags,
    summary: "List users (admins only)",
    response: { 200: UserListSchema, 403: ApiErrorSchema },
  }),
  "users.update": defineRoute({
    method: "PATCH",
    path: "/api/v1/users/:id",
    auth: "admin",
    tags,
    summary: "Rename a user or set their monthly LLM spend limit (admins only)",
    params: IdParamsSchema,
    body: UpdateUserBodySchema,
    response: { 200: UserSchema, 400: ApiErrorSchema, 403: ApiErrorSchema, 404: ApiErrorSchema },
  }),
};
