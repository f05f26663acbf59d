import { z } from "zod";
import { ApiErrorSchema } from "../errors.js";

/** The error answers a resource route may give, all in the API's one error shape (for OpenAPI). */
export const ERROR_RESPONSES = {
  400: ApiErrorSchema,
  401: ApiErrorSchema,
  403: ApiErrorSchema,
  404: ApiErrorSchema,
  409: ApiErrorSchema,
} as const;

/** `:id` of a resource route. */
export const IdParamsSchema = z.object({ id: z.string().max(100) });

/** A 204 answer: no body. */
export const NoContentSchema = z.null();
