/*
 * What a person enters for a Jira or Confluence source. The secret fields arrive with the rest
 * of the config and are split off (splitSecrets in index.ts) so they are stored sealed and never
 * answered back.
 */
import { z } from "zod";

const siteUrl = z
  .string()
  .url()
  .refine((u) => /^https?:\/\//.test(u), "must be an http(s) URL")
  .transform((u) => u.replace(/\/+$/, ""));

const common = {
  site_url: siteUrl,
  deployment: z.enum(["cloud", "datacenter"]),
  /** Cloud: the Atlassian account the API token belongs to. */
  email: z.string().email().optional(),
  api_token: z.string().min(1).optional(),
  personal_access_token: z.string().min(1).optional(),
  /** How far back each incremental sync looks again, for clock skew and minute-granular queries. */
  overlap_minutes: z.number().int().min(0).max(1440).default(5),
};

function credentials(
  c: {
    deployment: string;
    email?: string | undefined;
    api_token?: string | undefined;
    personal_access_token?: string | undefined;
  },
  ctx: z.RefinementCtx,
) {
  if (c.deployment === "cloud") {
    if (!c.email) ctx.addIssue({ code: "custom", path: ["email"], message: "Cloud needs the account's email" });
    if (!c.api_token) ctx.addIssue({ code: "custom", path: ["api_token"], message: "Cloud needs an API token" });
  } else if (!c.personal_access_token) {
    ctx.addIssue({
      code: "custom",
      path: ["personal_access_token"],
      message: "Data Center needs a personal access token",
    });
  }
}

export const JiraConfigSchema = z
  .object({
    ...common,
    /** Which issues: `project = PROJ`, `project in (A, B) AND type = Bug`; no ORDER BY. */
    jql: z
      .string()
      .min(1)
      .refine((q) => !/\border\s+by\b/i.test(q), "leave out ORDER BY; the sync orders by updated"),
  })
  .superRefine(credentials);

export const ConfluenceConfigSchema = z
  .object({
    ...common,
    /** Space keys whose pages are indexed. */
    spaces: z.array(z.string().min(1)).min(1),
  })
  .superRefine(credentials);

export type JiraConfigInput = z.infer<typeof JiraConfigSchema>;
export type ConfluenceConfigInput = z.infer<typeof ConfluenceConfigSchema>;

export type SecretField = "api_token" | "personal_access_token";
export const SECRET_FIELDS: readonly SecretField[] = ["api_token", "personal_access_token"];

export interface ConnectorSecrets {
  api_token?: string;
  personal_access_token?: string;
}

/** The stored, secret-free part. */
export type JiraConfig = Omit<JiraConfigInput, SecretField>;
export type ConfluenceConfig = Omit<ConfluenceConfigInput, SecretField>;
export type JiraSecrets = ConnectorSecrets;
export type ConfluenceSecrets = ConnectorSecrets;

/** The Authorization header and how to name the credential when the site refuses it. */
export function authFor(
  config: { deployment: "cloud" | "datacenter"; email?: string | undefined },
  secrets: ConnectorSecrets,
): { authorization: string; credentialName: string } {
  if (config.deployment === "cloud") {
    const basic = Buffer.from(`${config.email ?? ""}:${secrets.api_token ?? ""}`).toString("base64");
    return { authorization: `Basic ${basic}`, credentialName: "the email and API token" };
  }
  return {
    authorization: `Bearer ${secrets.personal_access_token ?? ""}`,
    credentialName: "the personal access token",
  };
}
