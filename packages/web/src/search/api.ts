import { ROUTES } from "@strand/protocol";
import { call } from "../api/client.js";
import type { SearchApiQuery } from "./search-model.js";

/** The search routes as the UI uses them (paths and types from the protocol table). */
export const searchApi = {
  query: (query: SearchApiQuery) => call(ROUTES["search.query"], { query }),
  status: () => call(ROUTES["search.status"]),
};
