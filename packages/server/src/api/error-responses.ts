import { ApiErrorSchema } from "@strand/protocol";

/** The error answers a resource route may give, all in the API's one error shape (for OpenAPI). */
export const ERROR_RESPONSES = {
  400: ApiErrorSchema,
  401: ApiErrorSchema,
  403: ApiErrorSchema,
  404: ApiErrorSchema,
  409: ApiErrorSchema,
} as const;
