import { DESKTOPS, type Desktop } from "@strand/protocol";
import { type Command, Option } from "commander";

export function registerImages(program: Command): void {
  const images = program.command("images").description("Build the desktop images sessions run in (on this host)");
  images
    .command("build")
    .description("Build the base and desktop images from images/; only what changed is rebuilt")
    .addOption(new Option("--desktop <desktop>", "which desktop").choices(DESKTOPS).default("xfce"))
    .option("--force", "rebuild even when the image for this recipe exists")
    .action(async (o: { desktop: Desktop; force?: boolean }) => {
      const { ImageBuilder } = await import("@strand/node");
      const started = Date.now();
      const tag = await new ImageBuilder().ensureDesktop(
        o.desktop,
        (line) => process.stderr.write(`${line}\n`),
        o.force,
      );
      process.stdout.write(`${tag}\n`);
      process.stderr.write(`done in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
    });
}
