import { PassThrough } from "node:stream";
import { docker } from "./sandbox.js";

export interface ExecStream {
  stdout: PassThrough;
  stderr: PassThrough;
  write(data: string | Uint8Array): void;
  /** Closes the command's stdin (EOF). */
  end(): void;
  /** Exit code once the command ends. */
  exited: Promise<number>;
}

/** Runs a command in a container with stdin, stdout and stderr as live streams. */
export async function execStream(
  containerName: string,
  cmd: string[],
  opts: { user?: string; env?: string[] } = {},
): Promise<ExecStream> {
  const e = await docker.getContainer(containerName).exec({
    Cmd: cmd,
    AttachStdin: true,
    AttachStdout: true,
    AttachStderr: true,
    ...(opts.user ? { User: opts.user } : {}),
    ...(opts.env ? { Env: opts.env } : {}),
  });
  const sock = await e.start({ hijack: true, stdin: true });
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  docker.modem.demuxStream(sock, stdout, stderr);
  const exited = new Promise<number>((resolve) => {
    const done = async () => {
      stdout.end();
      stderr.end();
      resolve((await e.inspect()).ExitCode ?? -1);
    };
    sock.once("end", done);
    sock.once("error", done);
  });
  return {
    stdout,
    stderr,
    write: (d) => sock.write(d),
    end: () => sock.end(),
    exited,
  };
}
