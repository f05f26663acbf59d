import { chmod, mkdir, readFile, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import type { GitIdentity, SessionWorkspace } from "@strand/protocol";
import type { Log } from "../log.js";
import { git, gitMaybe, unsetConfig } from "./git.js";

/** Where the hook finds whom to credit; unset when the session has no owner to credit. */
const CO_AUTHOR_KEY = "strand.coAuthor";
const HOOK_MARK = "# strand-agentd: credits the session's owner";

/** `Co-authored-by: Name <email>`, the trailer GitHub, GitLab and Gitea show as a co-author. */
export function coAuthorTrailer(who: GitIdentity): string {
  return `Co-authored-by: ${identity(who)}`;
}

const identity = (who: GitIdentity) => `${who.name} <${who.email}>`;

/**
 * A `prepare-commit-msg` hook, so the agent's own commits (`git commit -m ...`, which ignores
 * commit.template) credit the owner too. It reads the co-author from the clone's config at each
 * commit, so the script never changes; a message that is still empty is left alone, so quitting
 * the editor still aborts the commit.
 */
const HOOK = `#!/bin/sh
${HOOK_MARK} on every commit (written by agentd; see packages/agentd/src/workspace).
who=$(git config --get ${CO_AUTHOR_KEY}) || exit 0
grep -qv -e '^#' -e '^[[:space:]]*$' "$1" || exit 0
exec git interpret-trailers --in-place --if-exists addIfDifferent --trailer "Co-authored-by: $who" "$1"
`;

/** Commits in the clone are the agent's, crediting the session's owner when there is one. */
export async function configureIdentity(dir: string, workspace: SessionWorkspace, log: Log): Promise<void> {
  await git(dir, ["config", "--local", "user.name", workspace.author.name]);
  await git(dir, ["config", "--local", "user.email", workspace.author.email]);
  if (workspace.co_author) await git(dir, ["config", "--local", CO_AUTHOR_KEY, identity(workspace.co_author)]);
  else await unsetConfig(dir, CO_AUTHOR_KEY);
  await installHook(dir, log);
}

async function installHook(dir: string, log: Log): Promise<void> {
  const hooksPath = await gitMaybe(dir, ["config", "--get", "core.hooksPath"]);
  if (hooksPath) {
    // A hook manager (husky, lefthook) owns the hooks there; checkpoint commits still carry the trailer.
    log("warn", "the workspace uses its own hooks directory; the agent's own commits will not credit the owner", {
      hooksPath,
    });
    return;
  }
  const file = join(dir, ".git", "hooks", "prepare-commit-msg");
  const existing = await readFile(file, "utf8").catch(() => undefined);
  if (existing !== undefined && !existing.includes(HOOK_MARK)) {
    log("warn", "the workspace already has a prepare-commit-msg hook; left it as it is", { file });
    return;
  }
  await mkdir(dirname(file), { recursive: true });
  if (existing !== HOOK) await writeFile(file, HOOK);
  await chmod(file, 0o755);
}
