import { createInterface } from "node:readline";

/** All of standard input, without its final newline (for secrets piped in). */
export async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks)
    .toString("utf8")
    .replace(/\r?\n$/, "");
}

/** Asks on the terminal; `hidden` echoes nothing (passwords, keys). Fails without a terminal. */
export function ask(prompt: string, hidden = false): Promise<string> {
  if (!process.stdin.isTTY) {
    return Promise.reject(
      new Error(`${prompt.replace(/: $/, "")} is needed: pass it as an option or run in a terminal`),
    );
  }
  return new Promise((resolve) => {
    const rl = createInterface({ input: process.stdin, output: process.stderr, terminal: true });
    if (hidden) {
      // Echo nothing while the password is typed.
      (rl as unknown as { _writeToOutput: (s: string) => void })._writeToOutput = (s: string) => {
        if (s.includes(prompt)) process.stderr.write(prompt);
      };
    }
    rl.question(prompt, (answer) => {
      rl.close();
      if (hidden) process.stderr.write("\n");
      resolve(answer.trim());
    });
  });
}
