import { ApiErrorSchema } from "../errors.js";
import { SearchQuerySchema, SearchResponseSchema, SearchStatusSchema } from "../search.js";
import { ERROR_RESPONSES } from "./common.js";
import { defineRoute } from "./define.js";

const tags = ["search"];

/** Search over the conversations a person may see (docs/search.md). */
export const searchRoutes = {
  "search.query": defineRoute({
    method: "GET",
    path: "/api/v1/search",
    tags,
    summary: "Search every conversation you may see",
    description:
      'Words, "quoted phrases" (exact) and identifiers (exact matches first), ranked by relevance with a mild ' +
      "recency boost, and merged with semantic matches when an embedding model is set. Scoped like the fleet: " +
      "what you may see, and nothing else.",
    query: SearchQuerySchema,
    response: { 200: SearchResponseSchema, ...ERROR_RESPONSES, 422: ApiErrorSchema },
  }),
  "search.status": defineRoute({
    method: "GET",
    path: "/api/v1/search/status",
    tags,
    summary: "Progress of the index: the backfill of older entries and the embeddings",
    response: { 200: SearchStatusSchema, ...ERROR_RESPONSES },
  }),
} as const;
