import { stat, utimes } from "node:fs/promises";

/** The file's mtime in ms, or undefined when it does not exist. */
export async function mtimeMs(path: string): Promise<number | undefined> {
  return stat(path).then(
    (s) => s.mtimeMs,
    () => undefined,
  );
}

/**
 * Geany (1.38) notices a change on disk by comparing mtimes in whole seconds, so a second write
 * within the same second stays invisible in the IDE. Moving the new mtime to the next second makes
 * every edit show up for people watching; nothing else cares about a sub-second shift.
 */
export async function ensureMtimeAdvanced(path: string, previousMs: number | undefined): Promise<void> {
  if (previousMs === undefined) return;
  const now = await mtimeMs(path);
  if (now === undefined || Math.floor(now / 1000) > Math.floor(previousMs / 1000)) return;
  const next = new Date((Math.floor(previousMs / 1000) + 1) * 1000);
  await utimes(path, next, next).catch(() => {});
}
