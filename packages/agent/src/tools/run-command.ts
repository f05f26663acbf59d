import { z } from "zod";
import { CappedOutput } from "./capped-output.js";
import { runProcess } from "./process.js";
import { defineTool, ToolError } from "./types.js";
import { resolveInWorkspace, toRelative } from "./workspace.js";

export const runCommand = defineTool({
  name: "run_command",
  description:
    "Run a shell command with `bash -lc` in the workspace (or a sub-folder) and get its combined stdout+stderr and exit code. " +
    "There is no terminal input: commands must not wait for a keyboard. Long output keeps its head and tail. " +
    "To leave something running in the background, redirect its output: `nohup cmd > /tmp/cmd.log 2>&1 &`.",
  schema: z.object({
    command: z.string().min(1).describe("The command line, run by bash."),
    cwd: z.string().default(".").describe("Folder to run in, relative to the workspace root (default: the root)."),
    timeout_seconds: z.number().positive().optional().describe("Kill the command after this long (default 120)."),
  }),
  kind: "execute",
  needsPermission: true,
  title: (a) => `Run \`${a.command.length > 80 ? `${a.command.slice(0, 77)}…` : a.command}\``,
  async run(a, ctx) {
    const cwd = resolveInWorkspace(ctx.workspace, a.cwd);
    const { defaultTimeoutS, maxTimeoutS, outputCapBytes } = ctx.config.command;
    const timeoutS = Math.min(a.timeout_seconds ?? defaultTimeoutS, maxTimeoutS);
    const output = new CappedOutput(outputCapBytes);
    const entry = ctx.desktop.commandLog(a.command, toRelative(ctx.workspace, cwd));
    const result = await runProcess({
      command: a.command,
      cwd,
      timeoutMs: timeoutS * 1000,
      signal: ctx.signal,
      onOutput: (chunk) => {
        output.push(chunk);
        entry?.write(chunk);
      },
    }).catch((err: NodeJS.ErrnoException) => {
      if (err.code === "ENOENT") throw new ToolError(`cannot run commands: ${a.cwd} does not exist or bash is missing`);
      throw err;
    });
    const secs = (result.durationMs / 1000).toFixed(1);
    const summary = result.timedOut
      ? `timed out after ${timeoutS} s; the command and everything it started were killed`
      : result.cancelled
        ? "cancelled; the command and everything it started were killed"
        : result.exitCode !== null
          ? `exit code ${result.exitCode}, ${secs} s`
          : `killed by ${result.signal}, ${secs} s`;
    entry?.end(summary);
    const text = output.toString();
    const content = `${text}${text && !text.endsWith("\n") ? "\n" : ""}[${summary}]`;
    return {
      content,
      // Fenced so a markdown client shows the output verbatim.
      display: [
        {
          type: "content",
          content: { type: "text", text: `\`\`\`console\n${content.replaceAll("```", "`\u200b``")}\n\`\`\`` },
        },
      ],
      isError: result.exitCode !== 0,
      rawOutput: {
        exitCode: result.exitCode,
        timedOut: result.timedOut,
        durationMs: result.durationMs,
        bytes: output.totalBytes,
      },
    };
  },
});
