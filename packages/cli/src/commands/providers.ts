import { KEY_REQUIRED_KINDS, PROVIDER_KINDS, type Provider, type ProviderKind } from "@strand/protocol";
import type { StrandClient } from "@strand/sdk";
import { type Command, Option } from "commander";
import { clientFor } from "../context.js";
import { ago, table } from "../output.js";
import { ask, readStdin } from "../prompt.js";

export function registerProviders(program: Command): void {
  const providers = program
    .command("providers")
    .description("Manage the LLM providers your agents reach through Strand's proxy (see docs/providers.md)");

  providers
    .command("add <name>")
    .description("Add a provider; agents then use models named <name>/<model-id>")
    .addOption(new Option("--kind <kind>", "which API it speaks").choices(PROVIDER_KINDS).makeOptionMandatory())
    .option("--base-url <url>", "its address (default per kind; required for openai-compatible)")
    .option("--api-key-stdin", "read the API key from standard input (recommended: keeps it out of shell history)")
    .option("--api-key <key>", "the API key on the command line (lands in your shell history; prefer --api-key-stdin)")
    .option("--shared", "admins only: let every user route to it")
    .addHelpText(
      "after",
      "\nThe key is stored encrypted on the server and never shown again. Without --api-key-stdin or\n" +
        "--api-key, a kind that needs a key (anthropic, openai, together) asks for it in the terminal.\n" +
        "Example: pass show anthropic | strand providers add work-anthropic --kind anthropic --api-key-stdin",
    )
    .action(async (name: string, o: AddOptions, cmd: Command) => {
      const { client, out } = clientFor(cmd);
      if (o.apiKeyStdin && o.apiKey) throw new Error("pass either --api-key-stdin or --api-key, not both");
      let apiKey = o.apiKey ?? (o.apiKeyStdin ? (await readStdin()).trim() : undefined);
      if (o.apiKeyStdin && !apiKey) throw new Error("--api-key-stdin read an empty key; pipe the key into the command");
      if (apiKey === undefined && KEY_REQUIRED_KINDS.includes(o.kind)) {
        if (!process.stdin.isTTY) {
          throw new Error(`a ${o.kind} provider needs an API key: pipe it in with --api-key-stdin`);
        }
        apiKey = await ask("API key: ", true);
      }
      const p = await client.providers.create({
        name,
        kind: o.kind,
        ...(o.baseUrl ? { base_url: o.baseUrl } : {}),
        ...(apiKey ? { api_key: apiKey } : {}),
        ...(o.shared ? { shared: true } : {}),
      });
      out.result(p, () => `Added provider ${p.name} (${p.kind}, ${p.base_url}); models are ${p.name}/<model-id>`);
    });

  providers
    .command("list")
    .alias("ls")
    .description("List your providers and the shared ones")
    .action(async (_o: unknown, cmd: Command) => {
      const { client, out } = clientFor(cmd);
      const items = await client.providers.list();
      out.result(items, () =>
        table(
          ["NAME", "KIND", "BASE URL", "KEY", "SHARED", "ID", "CREATED"],
          items.map((p) => [
            p.name,
            p.kind,
            p.base_url,
            p.api_key_set ? (p.api_key_last4 ? `…${p.api_key_last4}` : "set") : "-",
            p.shared ? "yes" : "no",
            p.id,
            ago(p.created_at),
          ]),
        ),
      );
    });

  providers
    .command("test <name-or-id>")
    .description("Check that Strand can reach the provider with its key (exit code 1 when it cannot)")
    .option("--model <model-id>", "also send a 1-token request to this model")
    .action(async (ref: string, o: { model?: string }, cmd: Command) => {
      const { client, out } = clientFor(cmd);
      const p = await resolveProvider(client, ref);
      const r = await client.providers.test(p.id, o.model ? { model: o.model } : {});
      const ms = Math.round(r.latency_ms);
      out.result(r, () =>
        r.ok
          ? `ok: ${p.name} answered in ${ms} ms. ${r.message}`
          : `failed: ${p.name}: ${r.error}${r.status ? ` (HTTP ${r.status})` : ""} after ${ms} ms. ${r.message}`,
      );
      if (!r.ok) process.exitCode = 1;
    });

  providers
    .command("models <name-or-id>")
    .description("List the models the provider offers, by the names agents use")
    .action(async (ref: string, _o: unknown, cmd: Command) => {
      const { client, out } = clientFor(cmd);
      const p = await resolveProvider(client, ref);
      const items = await client.providers.models(p.id);
      out.result(items, () =>
        table(
          ["MODEL", "DISPLAY NAME"],
          items.map((m) => [m.model, m.display_name ?? "-"]),
        ),
      );
    });

  providers
    .command("delete <name-or-id>")
    .alias("rm")
    .description("Delete a provider; models named after it stop working at once")
    .action(async (ref: string, _o: unknown, cmd: Command) => {
      const { client, out } = clientFor(cmd);
      const p = await client.providers.delete((await resolveProvider(client, ref)).id);
      out.result(p, () => `Deleted provider ${p.name} (${p.id})`);
    });
}

/** Providers are named by people and addressed by id in the API: accept either. */
async function resolveProvider(client: StrandClient, ref: string): Promise<Provider> {
  const items = await client.providers.list();
  const found = items.find((p) => p.id === ref) ?? items.find((p) => p.name === ref);
  if (found) return found;
  const names = items.map((p) => p.name).join(", ") || "none yet; add one with `strand providers add`";
  throw new Error(`no provider named or with id "${ref}"; yours: ${names}`);
}

interface AddOptions {
  kind: ProviderKind;
  baseUrl?: string;
  apiKeyStdin?: boolean;
  apiKey?: string;
  shared?: boolean;
}
