import { type Command, Option } from "commander";

/** The sandbox node's options, shared by `strand server` (embedded node) and `strand node`. */
export function addNodeOptions(cmd: Command, nameFlag: "--name" | "--node-name"): Command {
  return cmd
    .addOption(
      new Option(
        `${nameFlag} <name>`,
        "sandbox node display name (default: host name; its identity is generated once per data/state dir)",
      ).env("STRAND_NODE_NAME"),
    )
    .addOption(
      new Option("--max-sessions <n>", "sessions the node runs at once").env("STRAND_MAX_SESSIONS").default("40"),
    )
    .addOption(
      new Option("--subnet-pool <cidr>", "a.b.0.0/16 pool for session networks")
        .env("STRAND_SUBNET_POOL")
        .default("10.213.0.0/16"),
    )
    .addOption(
      new Option("--stream-encoder <encoder>", "desktop stream encoder in sessions (default: auto, NVENC if usable)")
        .choices(["auto", "x264", "nvenc"])
        .env("STRAND_STREAM_ENCODER"),
    );
}
