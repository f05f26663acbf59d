import { createHash } from "node:crypto";
import { statfs } from "node:fs/promises";
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
import { type AgentFile, SESSION_TOKEN_FILE, writeAgentFiles } from "./agentd-bundle.js";
import { bridgeName, Firewall } from "./firewall.js";
import { encoderContainerConfig } from "./gpu.js";
import { desktopImageTag } from "./images.js";
import { LABELS, labelsFor, names } from "./labels.js";
import { type DiskLimits, type SessionDiskLayout, SessionDisks } from "./session-disk.js";
import { SubnetPool } from "./subnet-pool.js";

export interface DockerDriverOptions {
  docker?: Docker;
  /**
   * This node's identity (identity.ts), stamped on every object it creates and naming its
   * firewall chains: reconcile and cleanup touch only what carries it.
   */
  id: string;
  /** For people; not unique. */
  name: string;
  /** Where the node keeps session disks and agentd files on this host (root-only). */
  stateDir: string;
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
  /** Bound sessions' disks with loop-mounted images (default true; the node says when the host cannot). */
  diskLimits?: boolean;
  /**
   * The node took over the identity of a Strand version from before node ids, whose firewall
   * chains were shared by every Strand on the host: it removes them (they would refuse this node's
   * sessions their server once its port changes).
   */
  legacyIdentity?: boolean;
  log: Logger;
}

/** Writable places in a desktop whose root is read-only; memory-backed, so small (they count as memory). */
const TMPFS = [
  { target: "/run", mb: 64 },
  { target: "/var/log", mb: 64 },
];

const MiB = 1024 * 1024;

/** Runs sessions as containers on the local Docker Engine. */
export class DockerSandboxDriver implements SandboxDriver {
  readonly id: string;
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
  private legacyChainsCleared = false;
  private dockerRootDir: string | undefined;

  /** Opens the node: checks once whether this host can enforce disk limits. */
  static async open(opts: DockerDriverOptions): Promise<DockerSandboxDriver> {
    return new DockerSandboxDriver(opts, await SessionDisks.open(opts.stateDir, opts.log, opts.diskLimits !== false));
  }

  private constructor(
    private readonly opts: DockerDriverOptions,
    private readonly disks: SessionDisks,
  ) {
    this.docker = opts.docker ?? new Docker();
    this.id = opts.id;
    this.name = opts.name;
    this.maxSessions = opts.maxSessions;
    this.pool = new SubnetPool(opts.subnetPool);
    this.firewall =
      opts.firewall === false
        ? undefined
        : new Firewall(
            opts.id,
            opts.serverPort,
            opts.log,
            opts.remoteServer ? { ip: opts.remoteServer.ip, port: opts.serverPort } : undefined,
          );
  }

  get diskLimits(): DiskLimits {
    return this.disks.limits;
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
    const running = await this.docker
      .getContainer(names.container(spec.id))
      .inspect()
      .then(
        (i) => i.State.Running || i.State.Paused,
        () => false,
      );
    if (running) {
      // A start cut off by a server restart, landing on a desktop that runs: its disk is mounted and
      // in use (its /tmp holds the X socket), so only the newly minted token is written.
      await writeAgentFiles(this.disks.layout(spec.id).agentd, spec.sessionToken);
      onProgress("desktop");
      return;
    }
    onProgress("volumes");
    const disk = await this.disks.prepare(spec.id, spec.resources.disk_mb, { trusted: spec.trusted });
    await this.ensureVolumes(spec.id, disk);
    const agentFiles = await writeAgentFiles(disk.agentd, spec.sessionToken);
    onProgress("container");
    const container = await this.ensureContainer(spec, image, gateway, disk, agentFiles);
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
    // A stopped session holds no loop device; its next start mounts the disk again.
    await this.disks.release(sessionId);
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
    for (const volume of volumeNames(sessionId)) {
      try {
        await this.docker.getVolume(volume).remove({ force: true });
      } catch (err) {
        if (!isStatus(err, 404)) throw err;
      }
    }
    await this.disks.remove(sessionId);
    this.egress.delete(sessionId);
    await this.syncFirewall();
  }

  /** Rewrites the firewall for the session networks that exist now (serialised). */
  async syncFirewall(): Promise<void> {
    const fw = this.firewall;
    if (!fw) return;
    const run = this.firewallLock.then(async () => {
      if (this.opts.legacyIdentity && !this.legacyChainsCleared) {
        await fw.removeLegacyChains();
        this.legacyChainsCleared = true;
      }
      // This node's chains name only this node's bridges; other Strands on the engine keep theirs.
      const networks = await this.docker.listNetworks({ filters: this.ownFilter() });
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
    // The state dir is this node's alone: a disk there with no session is a leftover too.
    for (const id of await this.disks.sessions()) orphans.add(id);
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

  /** Free MiB where this node's session disks and Docker's data live, the smaller of the two. */
  async diskFree(): Promise<{ freeMb: number; path: string } | undefined> {
    try {
      this.dockerRootDir ??= ((await this.docker.info()) as { DockerRootDir?: string }).DockerRootDir;
      const places = [{ path: this.opts.stateDir, freeMb: await this.disks.freeMb() }];
      if (this.dockerRootDir) {
        const s = await statfs(this.dockerRootDir).catch(() => undefined);
        if (s) places.push({ path: this.dockerRootDir, freeMb: Math.floor((s.bavail * s.bsize) / MiB) });
      }
      return places.reduce((a, b) => (b.freeMb < a.freeMb ? b : a));
    } catch {
      return undefined;
    }
  }

  private ownFilter() {
    return { label: [`${LABELS.managed}=true`, `${LABELS.node}=${this.id}`] };
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
      // Another Strand on this engine may take the same free /24 at the same moment: Docker then
      // refuses the overlap, and a fresh look finds another.
      for (let attempt = 1; ; attempt++) {
        const existing = await this.docker.listNetworks();
        const used = existing.flatMap((n) => (n.IPAM?.Config ?? []).map((c) => c.Subnet ?? ""));
        const free = this.pool.allocate(used);
        if (!free) {
          throw new Error(
            `no free /24 left in the session subnet pool (${this.pool.size} in use); delete stopped sessions`,
          );
        }
        try {
          await this.docker.createNetwork({
            Name: names.network(sessionId),
            Driver: "bridge",
            CheckDuplicate: true,
            IPAM: { Config: [{ Subnet: free.subnet, Gateway: free.gateway }] },
            Options: { "com.docker.network.bridge.name": bridgeName(sessionId) },
            Labels: { ...labelsFor(sessionId, this.id), [LABELS.egress]: egress },
          });
          return free.gateway;
        } catch (err) {
          const overlap = /overlap/i.test((err as { json?: { message?: string } }).json?.message ?? String(err));
          if (!overlap || attempt >= 5) throw err;
        }
      }
    });
    this.networkLock = run.catch(() => {});
    return run;
  }

  /**
   * The session's home, workspace and Docker data volumes. On a node that enforces disk limits
   * they are folders of the session's own filesystem (local volumes bound to them); Docker still
   * fills an empty home from the image. Volumes made before disk limits stay as they are.
   */
  private async ensureVolumes(sessionId: string, disk: SessionDiskLayout): Promise<void> {
    const volumes: [string, string][] = [
      [names.home(sessionId), disk.home],
      [names.workspace(sessionId), disk.work],
      [names.dockerData(sessionId), disk.docker],
    ];
    for (const [name, device] of volumes) {
      if (await this.exists(this.docker.getVolume(name))) continue;
      await this.docker.createVolume({
        Name: name,
        Driver: "local",
        DriverOpts: { type: "none", o: "bind", device },
        Labels: labelsFor(sessionId, this.id),
      });
    }
  }

  /**
   * The session's container, created from the spec. A stopped container made from an older spec
   * (more memory, trusted mode turned off, a new image) is replaced: it holds nothing of its own,
   * its root being read-only, so changes to a session apply at its next start.
   */
  private async ensureContainer(
    spec: SessionSpec,
    image: string,
    gateway: string,
    disk: SessionDiskLayout,
    agentFiles: AgentFile[],
  ): Promise<Docker.Container> {
    const options = this.containerOptions(spec, image, gateway, disk, agentFiles);
    const hash = createHash("sha256").update(JSON.stringify(options)).digest("hex").slice(0, 16);
    const existing = this.docker.getContainer(names.container(spec.id));
    const info = await existing.inspect().catch((err) => {
      if (isStatus(err, 404)) return undefined;
      throw err;
    });
    if (info && (info.State.Running || info.State.Paused || info.Config.Labels?.[LABELS.spec] === hash))
      return existing;
    if (info) await existing.remove({ force: true });
    return this.docker
      .createContainer({ ...options, Labels: { ...options.Labels, [LABELS.spec]: hash } })
      .catch((err) => {
        // 409: created meanwhile by a start a server restart cut off, whose request Docker still ran.
        if (isStatus(err, 409)) return existing;
        throw err;
      });
  }

  private containerOptions(
    spec: SessionSpec,
    image: string,
    gateway: string,
    disk: SessionDiskLayout,
    agentFiles: AgentFile[],
  ): Docker.ContainerCreateOptions {
    const encoder = encoderContainerConfig(this.opts.streamEncoder ?? process.env.STRAND_STREAM_ENCODER);
    return {
      name: names.container(spec.id),
      Image: image,
      Hostname: "strand",
      // Trusted sessions start as root to launch their dockerd, then drop to the agent user.
      User: spec.trusted ? "root" : "agent",
      Labels: labelsFor(spec.id, this.id),
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
        // Everything the desktop writes lands on the session's own disk (or a small tmpfs): a
        // writable root would be a layer on the host's disk that no limit bounds.
        ReadonlyRootfs: true,
        Mounts: [
          { Type: "volume", Source: names.home(spec.id), Target: "/home/agent" },
          { Type: "volume", Source: names.workspace(spec.id), Target: "/home/agent/work" },
          // Its own dockerd (trusted) or a rootless one keeps images and containers on the session's disk.
          { Type: "volume", Source: names.dockerData(spec.id), Target: "/var/lib/docker" },
          { Type: "bind", Source: disk.tmp, Target: "/tmp" },
          { Type: "bind", Source: disk.tmp, Target: "/var/tmp" },
          ...agentFiles.map((f) => ({ Type: "bind" as const, Source: f.source, Target: f.target, ReadOnly: true })),
          ...[...TMPFS, ...(spec.trusted ? [{ target: "/etc/docker", mb: 1 }] : [])].map((t) => ({
            Type: "tmpfs" as const,
            Source: "",
            Target: t.target,
            TmpfsOptions: { SizeBytes: t.mb * MiB, Mode: 0o755 },
          })),
        ],
        NanoCpus: Math.round(spec.resources.cpus * 1e9),
        Memory: spec.resources.memory_mb * MiB,
        MemorySwap: spec.resources.memory_mb * MiB,
        PidsLimit: spec.resources.pids,
        ShmSize: 256 * MiB,
        // What the desktop prints goes to the host's disk: bounded, or a chatty process fills it.
        LogConfig: { Type: "json-file", Config: { "max-size": "10m", "max-file": "2" } },
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
    };
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

function volumeNames(sessionId: string): string[] {
  return [names.home(sessionId), names.workspace(sessionId), names.dockerData(sessionId)];
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
