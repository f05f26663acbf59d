import {
  AGENT_ENV,
  type EgressPolicy,
  type SandboxDriver,
  SCREEN_SIZES,
  type SessionSpec,
  type SessionStatus,
} from "@strand/protocol";
import Docker from "dockerode";
import type { Logger } from "pino";
import { AGENTD_PATH_IN_CONTAINER, agentdArchive, SESSION_TOKEN_FILE } from "./agentd-bundle.js";
import { bridgeName, Firewall } from "./firewall.js";
import { encoderContainerConfig } from "./gpu.js";
import { desktopImageTag } from "./images.js";
import { LABELS, labelsFor, names } from "./labels.js";
import { SubnetPool } from "./subnet-pool.js";

export interface DockerDriverOptions {
  docker?: Docker;
  /** Name of this node; stamped on every object it creates. */
  name: string;
  maxSessions: number;
  /** Port of the Strand server on this host; containers reach it through their network's gateway. */
  serverPort: number;
  /**
   * For a standalone node: the server's URL as containers should dial it, and its address, which
   * the firewall then lets sessions reach (it may sit in a private range). Default: this host.
   */
  remoteServer?: { url: string; ip: string };
  subnetPool?: string;
  /** Apply Strand's iptables chains (default true; needs root). */
  firewall?: boolean;
  /** Passed to agentd as STRAND_STREAM_ENCODER; `nvenc` also gives containers the GPUs. Default: env. */
  streamEncoder?: string | undefined;
  log: Logger;
}

const MiB = 1024 * 1024;

/** Runs sessions as containers on the local Docker Engine. */
export class DockerSandboxDriver implements SandboxDriver {
  readonly name: string;
  readonly maxSessions: number;
  private readonly docker: Docker;
  private readonly pool: SubnetPool;
  // Subnet choice reads then creates; serialising it stops two starts picking the same /24.
  private networkLock: Promise<unknown> = Promise.resolve();
  private readonly firewall: Firewall | undefined;
  // Egress as last started; network labels hold it across restarts of the node.
  private readonly egress = new Map<string, EgressPolicy>();
  private firewallLock: Promise<unknown> = Promise.resolve();

  constructor(private readonly opts: DockerDriverOptions) {
    this.docker = opts.docker ?? new Docker();
    this.name = opts.name;
    this.maxSessions = opts.maxSessions;
    this.pool = new SubnetPool(opts.subnetPool);
    this.firewall =
      opts.firewall === false
        ? undefined
        : new Firewall(
            opts.serverPort,
            opts.log,
            opts.remoteServer ? { ip: opts.remoteServer.ip, port: opts.serverPort } : undefined,
          );
  }

  async start(spec: SessionSpec, onProgress: (step: string) => void = () => {}): Promise<void> {
    try {
      await this.startUnchecked(spec, onProgress);
    } catch (err) {
      throw explainDockerError(err, this.name);
    }
  }

  private async startUnchecked(spec: SessionSpec, onProgress: (step: string) => void): Promise<void> {
    const image = desktopImageTag(spec.desktop);
    if (!(await this.exists(this.docker.getImage(image)))) {
      throw new Error(
        `the ${spec.desktop} desktop image (${image}) is not built on node ${this.name}; ` +
          `run \`strand images build --desktop ${spec.desktop}\` there`,
      );
    }
    onProgress("network");
    const gateway = await this.ensureNetwork(spec.id, spec.egress);
    this.egress.set(spec.id, spec.egress);
    // Rules first, container second: there is never a moment the desktop runs unfenced.
    await this.syncFirewall();
    onProgress("volumes");
    for (const volume of [names.workspace(spec.id), names.dockerData(spec.id)]) {
      await this.docker.createVolume({ Name: volume, Labels: labelsFor(spec.id, this.name) });
    }
    onProgress("container");
    const container = await this.ensureContainer(spec, image, gateway);
    await container.putArchive(await agentdArchive(spec.sessionToken), {
      path: AGENTD_PATH_IN_CONTAINER.replace(/\/[^/]+$/, ""),
    });
    const info = await container.inspect();
    // 304: started meanwhile (a start cut off by a server restart can still be landing).
    if (!info.State.Running) await container.start().catch((err) => ignoreStatus(err, 304));
    onProgress("desktop");
  }

  /** Freezes every process of the desktop (cgroup freezer); memory stays, CPU goes to zero. */
  async pause(sessionId: string): Promise<void> {
    try {
      await this.docker.getContainer(names.container(sessionId)).pause();
    } catch (err) {
      throw explainDockerError(err, this.name);
    }
  }

  async resume(sessionId: string): Promise<void> {
    try {
      await this.docker.getContainer(names.container(sessionId)).unpause();
    } catch (err) {
      throw explainDockerError(err, this.name);
    }
  }

  /** Runs a command in the desktop as the agent user and returns its exit code and output. */
  async exec(sessionId: string, cmd: string[], timeoutMs = 30_000): Promise<{ code: number; output: string }> {
    const e = await this.docker
      .getContainer(names.container(sessionId))
      .exec({ Cmd: cmd, User: "agent", WorkingDir: "/home/agent/work", AttachStdout: true, AttachStderr: true });
    const stream = await e.start({});
    const chunks: Buffer[] = [];
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        stream.destroy();
        reject(new Error(`command did not finish within ${timeoutMs} ms: ${cmd.join(" ")}`));
      }, timeoutMs);
      stream.on("data", (d: Buffer) => chunks.push(d));
      stream.on("end", () => {
        clearTimeout(timer);
        resolve();
      });
    });
    const info = await e.inspect();
    return { code: info.ExitCode ?? -1, output: demux(Buffer.concat(chunks)) };
  }

  async stop(sessionId: string): Promise<void> {
    const c = this.docker.getContainer(names.container(sessionId));
    try {
      await c.stop({ t: 5 });
    } catch (err) {
      // 304: already stopped; 404: gone. Both mean "stopped".
      if (!isStatus(err, 304, 404)) throw err;
    }
  }

  async remove(sessionId: string): Promise<void> {
    try {
      await this.docker.getContainer(names.container(sessionId)).remove({ force: true, v: true });
    } catch (err) {
      if (!isStatus(err, 404)) throw err;
    }
    try {
      await this.docker.getNetwork(names.network(sessionId)).remove();
    } catch (err) {
      if (!isStatus(err, 404)) throw err;
    }
    for (const volume of [names.workspace(sessionId), names.dockerData(sessionId)]) {
      try {
        await this.docker.getVolume(volume).remove({ force: true });
      } catch (err) {
        if (!isStatus(err, 404)) throw err;
      }
    }
    this.egress.delete(sessionId);
    await this.syncFirewall();
  }

  /** Rewrites the firewall for the session networks that exist now (serialised). */
  async syncFirewall(): Promise<void> {
    const fw = this.firewall;
    if (!fw) return;
    const run = this.firewallLock.then(async () => {
      // The chains are per host, so they cover every Strand network on this engine, not only ours.
      const networks = await this.docker.listNetworks({ filters: { label: [`${LABELS.managed}=true`] } });
      await fw.apply(
        networks.map((n) => {
          const id = n.Labels?.[LABELS.session] ?? "";
          const egress = this.egress.get(id) ?? (n.Labels?.[LABELS.egress] === "deny" ? "deny" : "allow");
          return { bridge: bridgeName(id), egress };
        }),
      );
    });
    this.firewallLock = run.catch(() => {});
    return run;
  }

  async list(): Promise<SessionStatus[]> {
    const containers = await this.docker.listContainers({ all: true, filters: this.ownFilter() });
    return Promise.all(
      containers.map(async (c) => {
        const id = c.Labels[LABELS.session] ?? "";
        // A paused desktop is alive, only frozen.
        if (c.State === "running" || c.State === "paused") return { id, running: true };
        return { id, running: false, reason: await this.exitReason(c.Id, c.Status) };
      }),
    );
  }

  async reconcile(keep: ReadonlySet<string>): Promise<string[]> {
    const filters = this.ownFilter();
    const orphans = new Set<string>();
    const sessionOf = (labels: Record<string, string> | undefined) => labels?.[LABELS.session] ?? "";
    for (const c of await this.docker.listContainers({ all: true, filters })) orphans.add(sessionOf(c.Labels));
    for (const n of await this.docker.listNetworks({ filters })) orphans.add(sessionOf(n.Labels));
    for (const v of (await this.docker.listVolumes({ filters })).Volumes ?? []) orphans.add(sessionOf(v.Labels));
    const removed = [...orphans].filter((id) => id && !keep.has(id));
    for (const id of removed) {
      this.opts.log.info({ session: id }, "removing leftovers of a session the server no longer has");
      await this.remove(id);
    }
    await this.syncFirewall();
    return removed;
  }

  /** Last lines of the container's output, for failure reasons. */
  async logs(sessionId: string, lines = 20): Promise<string> {
    try {
      const buf = (await this.docker
        .getContainer(names.container(sessionId))
        .logs({ stdout: true, stderr: true, tail: lines, follow: false })) as unknown as Buffer;
      return demux(buf);
    } catch {
      return "";
    }
  }

  private ownFilter() {
    return { label: [`${LABELS.managed}=true`, `${LABELS.node}=${this.name}`] };
  }

  private async exitReason(containerId: string, status: string): Promise<string> {
    try {
      const { State } = await this.docker.getContainer(containerId).inspect();
      if (State.OOMKilled) {
        return "The desktop ran out of memory and was killed; give the session more memory and start it again.";
      }
      return `The desktop stopped unexpectedly (exit code ${State.ExitCode}${State.Error ? `: ${State.Error}` : ""}).`;
    } catch {
      return `The desktop container is not running (${status}).`;
    }
  }

  private async ensureNetwork(sessionId: string, egress: EgressPolicy): Promise<string> {
    const run = this.networkLock.then(async () => {
      const net = this.docker.getNetwork(names.network(sessionId));
      try {
        const info = await net.inspect();
        return info.IPAM?.Config?.[0]?.Gateway as string;
      } catch (err) {
        if (!isStatus(err, 404)) throw err;
      }
      const existing = await this.docker.listNetworks();
      const used = existing.flatMap((n) => (n.IPAM?.Config ?? []).map((c) => c.Subnet ?? ""));
      const free = this.pool.allocate(used);
      if (!free) {
        throw new Error(
          `no free /24 left in the session subnet pool (${this.pool.size} in use); delete stopped sessions`,
        );
      }
      await this.docker.createNetwork({
        Name: names.network(sessionId),
        Driver: "bridge",
        CheckDuplicate: true,
        IPAM: { Config: [{ Subnet: free.subnet, Gateway: free.gateway }] },
        Options: { "com.docker.network.bridge.name": bridgeName(sessionId) },
        Labels: { ...labelsFor(sessionId, this.name), [LABELS.egress]: egress },
      });
      return free.gateway;
    });
    this.networkLock = run.catch(() => {});
    return run;
  }

  private async ensureContainer(spec: SessionSpec, image: string, gateway: string): Promise<Docker.Container> {
    const existing = this.docker.getContainer(names.container(spec.id));
    if (await this.exists(existing)) return existing;
    const encoder = encoderContainerConfig(this.opts.streamEncoder ?? process.env.STRAND_STREAM_ENCODER);
    return this.createContainer(spec, image, gateway, encoder).catch((err) => {
      // 409: created meanwhile by a start a server restart cut off, whose request Docker still ran.
      if (isStatus(err, 409)) return existing;
      throw err;
    });
  }

  private createContainer(
    spec: SessionSpec,
    image: string,
    gateway: string,
    encoder: ReturnType<typeof encoderContainerConfig>,
  ): Promise<Docker.Container> {
    return this.docker.createContainer({
      name: names.container(spec.id),
      Image: image,
      Hostname: "strand",
      // Trusted sessions start as root to launch their dockerd, then drop to the agent user.
      User: spec.trusted ? "root" : "agent",
      Labels: labelsFor(spec.id, this.name),
      Env: [
        `${AGENT_ENV.serverUrl}=${this.opts.remoteServer?.url ?? `http://${gateway}:${this.opts.serverPort}`}`,
        `${AGENT_ENV.sessionId}=${spec.id}`,
        `${AGENT_ENV.sessionTokenFile}=${SESSION_TOKEN_FILE}`,
        `${AGENT_ENV.runtime}=${spec.runtime ?? "strand-agent"}`,
        `${AGENT_ENV.model}=${spec.model ?? ""}`,
        `${AGENT_ENV.permissionMode}=${spec.permissionMode ?? "autonomous"}`,
        `STRAND_SCREEN_WIDTH=${SCREEN_SIZES[spec.resolution ?? "720p"].width}`,
        `STRAND_SCREEN_HEIGHT=${SCREEN_SIZES[spec.resolution ?? "720p"].height}`,
        ...encoder.env,
      ],
      HostConfig: {
        NetworkMode: names.network(spec.id),
        Init: true,
        Mounts: [
          { Type: "volume", Source: names.workspace(spec.id), Target: "/home/agent/work" },
          {
            Type: "volume",
            Source: names.dockerData(spec.id),
            Target: spec.trusted ? "/var/lib/docker" : "/home/agent/.local/share/docker",
          },
        ],
        NanoCpus: Math.round(spec.resources.cpus * 1e9),
        Memory: spec.resources.memory_mb * MiB,
        MemorySwap: spec.resources.memory_mb * MiB,
        PidsLimit: spec.resources.pids,
        ShmSize: 256 * MiB,
        ...(encoder.deviceRequests ? { DeviceRequests: encoder.deviceRequests } : {}),
        // Trusted mode emulates --privileged (which fails on hosts that withhold CAP_SYS_RESOURCE)
        // so the session can run its own dockerd. See docs/security.md for what that gives up.
        ...(spec.trusted
          ? {
              CapAdd: ["ALL"],
              CapDrop: ["SYS_RESOURCE"],
              SecurityOpt: ["seccomp=unconfined", "apparmor=unconfined"],
            }
          : { CapDrop: ["ALL"], SecurityOpt: ["no-new-privileges"] }),
        RestartPolicy: { Name: "no" },
      },
    });
  }

  private async exists(obj: { inspect(): Promise<unknown> }): Promise<boolean> {
    try {
      await obj.inspect();
      return true;
    } catch (err) {
      if (isStatus(err, 404)) return false;
      throw err;
    }
  }
}

/** Turns driver-level failures into reasons a person can act on. */
function explainDockerError(err: unknown, node: string): Error {
  const code = (err as { code?: string }).code;
  const syscall = (err as { syscall?: string }).syscall;
  if (syscall === "connect" && (code === "ENOENT" || code === "ECONNREFUSED" || code === "EACCES")) {
    return new Error(
      `the Docker Engine on node ${node} is not reachable (${code}); start it (e.g. \`dockerd\`) and start the session again`,
      { cause: err },
    );
  }
  const status = (err as { statusCode?: number }).statusCode;
  if (status !== undefined) {
    const detail = (err as { json?: { message?: string } }).json?.message ?? (err as Error).message;
    return new Error(`Docker refused on node ${node}: ${detail}`, { cause: err });
  }
  return err instanceof Error ? err : new Error(String(err));
}

function ignoreStatus(err: unknown, ...codes: number[]): void {
  if (!isStatus(err, ...codes)) throw err;
}

function isStatus(err: unknown, ...codes: number[]): boolean {
  return codes.includes((err as { statusCode?: number }).statusCode ?? -1);
}

/** Docker multiplexes stdout/stderr with 8-byte frame headers when there is no TTY. */
export function demux(buf: Buffer): string {
  let out = "";
  let i = 0;
  while (i + 8 <= buf.length) {
    const len = buf.readUInt32BE(i + 4);
    out += buf.subarray(i + 8, i + 8 + len).toString("utf8");
    i += 8 + len;
  }
  return out || buf.toString("utf8");
}
