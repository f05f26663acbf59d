/*
 * The connectors' face to the rest of the server: config schemas, the split of secrets from the
 * stored config (so they are sealed like provider keys), and one constructor per source kind.
 */
import {
  type ConfluenceConfig,
  ConfluenceConfigSchema,
  type ConnectorSecrets,
  type JiraConfig,
  JiraConfigSchema,
  SECRET_FIELDS,
} from "./config.js";
import { createConfluenceConnector } from "./confluence.js";
import { type ConnectorOptions, createJiraConnector, type JiraConnector } from "./jira.js";

export type { ConfluenceConfig, ConfluenceSecrets, ConnectorSecrets, JiraConfig, JiraSecrets } from "./config.js";
export { ConfluenceConfigSchema, JiraConfigSchema } from "./config.js";
export { createConfluenceConnector } from "./confluence.js";
export type { ConnectorOptions, JiraComment, JiraConnector, JiraIssue } from "./jira.js";
export { createJiraConnector } from "./jira.js";

export type ConnectorKind = "jira" | "confluence";

/**
 * Validates a config as entered (secrets included) and splits it: `config` is stored as is,
 * `secrets` sealed. Throws the zod error for a config that does not fit its kind.
 */
export function splitSecrets(kind: "jira", input: unknown): { config: JiraConfig; secrets: ConnectorSecrets };
export function splitSecrets(
  kind: "confluence",
  input: unknown,
): { config: ConfluenceConfig; secrets: ConnectorSecrets };
export function splitSecrets(
  kind: ConnectorKind,
  input: unknown,
): { config: JiraConfig | ConfluenceConfig; secrets: ConnectorSecrets };
export function splitSecrets(kind: ConnectorKind, input: unknown) {
  const parsed: Record<string, unknown> =
    kind === "jira" ? JiraConfigSchema.parse(input) : ConfluenceConfigSchema.parse(input);
  const config: Record<string, unknown> = {};
  const secrets: ConnectorSecrets = {};
  for (const [k, v] of Object.entries(parsed)) {
    if ((SECRET_FIELDS as readonly string[]).includes(k)) {
      if (typeof v === "string") secrets[k as keyof ConnectorSecrets] = v;
    } else config[k] = v;
  }
  return { config, secrets };
}

export function createConnector(
  kind: "jira",
  config: JiraConfig,
  secrets: ConnectorSecrets,
  opts?: ConnectorOptions,
): JiraConnector;
export function createConnector(
  kind: ConnectorKind,
  config: JiraConfig | ConfluenceConfig,
  secrets: ConnectorSecrets,
  opts?: ConnectorOptions,
): ReturnType<typeof createConfluenceConnector>;
export function createConnector(
  kind: ConnectorKind,
  config: JiraConfig | ConfluenceConfig,
  secrets: ConnectorSecrets,
  opts: ConnectorOptions = {},
) {
  return kind === "jira"
    ? createJiraConnector(config as JiraConfig, secrets, opts)
    : createConfluenceConnector(config as ConfluenceConfig, secrets, opts);
}
