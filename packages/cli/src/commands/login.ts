import { hostname } from "node:os";
import { StrandClient } from "@strand/sdk";
import type { Command } from "commander";
import type { GlobalOptions } from "../context.js";
import { DEFAULT_SERVER, writeCredentials } from "../credentials.js";
import { createOutput } from "../output.js";
import { ask, readStdin } from "../prompt.js";

interface LoginOptions extends GlobalOptions {
  email?: string;
  passwordStdin?: boolean;
}

export function registerLogin(program: Command): void {
  program
    .command("login")
    .description("Log in and save an API token for later commands (in ~/.config/strand/credentials.json)")
    .option("-e, --email <email>", "account email (default: asks)")
    .option("--password-stdin", "read the password from standard input instead of asking")
    .addHelpText(
      "after",
      "\nWith --token, checks and saves an existing API token instead of logging in with a password.\n" +
        "STRAND_PASSWORD is read when set, for scripts.",
    )
    .action(async (_opts: LoginOptions, cmd: Command) => {
      const opts = cmd.optsWithGlobals<LoginOptions>();
      const out = createOutput(Boolean(opts.json));
      const server = (opts.server ?? process.env.STRAND_URL ?? DEFAULT_SERVER).replace(/\/+$/, "");
      const existingToken = opts.token ?? process.env.STRAND_TOKEN;
      if (existingToken) {
        const me = await new StrandClient({ baseUrl: server, token: existingToken }).me();
        const file = writeCredentials({ server, token: existingToken, email: me.email });
        return out.result(
          { server, user: me, credentials: file },
          () => `Saved the token for ${me.email} on ${server} in ${file}`,
        );
      }
      const email = opts.email ?? (await ask("Email: "));
      const password =
        process.env.STRAND_PASSWORD ?? (opts.passwordStdin ? await readStdin() : await ask("Password: ", true));
      const session = new StrandClient({ baseUrl: server });
      const { user } = await session.login(email, password);
      const created = await session.createToken({ name: `cli on ${hostname()}` });
      await session.logout();
      const file = writeCredentials({ server, token: created.token, email: user.email });
      out.result(
        { server, user, token_id: created.id, credentials: file },
        () => `Logged in to ${server} as ${user.email}. Token saved in ${file}.`,
      );
    });
}
