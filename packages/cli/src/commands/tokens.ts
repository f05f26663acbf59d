import { type Command, InvalidArgumentError } from "commander";
import { clientFor } from "../context.js";
import { ago, table } from "../output.js";

export function registerTokens(program: Command): void {
  const tokens = program.command("tokens").description("Manage API tokens for scripts and the CLI");

  tokens
    .command("create <name>")
    .description("Create an API token; the secret is printed once")
    .option("--expires-in-days <days>", "expire after this many days", (v) => {
      const n = Number(v);
      if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError("must be a whole number of days, 1 or more");
      return n;
    })
    .action(async (name: string, o: { expiresInDays?: number }, cmd: Command) => {
      const { client, out } = clientFor(cmd);
      const t = await client.createToken({ name, ...(o.expiresInDays ? { expires_in_days: o.expiresInDays } : {}) });
      out.result(t, () => `${t.token}\n\nToken ${t.id} (${t.name}). Store it now: it is not shown again.`);
    });

  tokens
    .command("list")
    .alias("ls")
    .description("List your API tokens")
    .action(async (_o: unknown, cmd: Command) => {
      const { client, out } = clientFor(cmd);
      const items = await client.listTokens();
      out.result(items, () =>
        table(
          ["ID", "NAME", "PREFIX", "CREATED", "LAST USED", "STATUS"],
          items.map((t) => [
            t.id,
            t.name,
            `${t.prefix}…`,
            ago(t.created_at),
            ago(t.last_used_at),
            t.revoked_at ? "revoked" : t.expires_at && new Date(t.expires_at) < new Date() ? "expired" : "active",
          ]),
        ),
      );
    });

  tokens
    .command("revoke <id>")
    .description("Revoke an API token; it stops working at once")
    .action(async (id: string, _o: unknown, cmd: Command) => {
      const { client, out } = clientFor(cmd);
      const t = await client.revokeToken(id);
      out.result(t, () => `Revoked token ${t.id} (${t.name})`);
    });
}
