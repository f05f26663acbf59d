/**
 * Resolves a path the model gave against the workspace root and refuses any that leaves it,
 * through `..`, an absolute path, or a symlink pointing outside.
 */
import { realpathSync } from "node:fs";
import { dirname, isAbsolute, relative, resolve, sep } from "node:path";
import { ToolError } from "./types.js";

export function resolveInWorkspace(workspace: string, path: string): string {
  if (typeof path !== "string" || path.trim() === "")
    throw new ToolError("path is empty; give a path relative to the workspace root");
  if (path.includes("\0")) throw new ToolError("path contains a NUL byte");
  const abs = resolve(workspace, path);
  if (!inside(workspace, abs)) throw outside(path, workspace);
  // Follow symlinks on the part of the path that exists, so a link inside the workspace cannot reach out.
  const real = realOfExisting(abs);
  if (!inside(workspace, real)) throw outside(path, workspace, real);
  return abs;
}

export function toRelative(workspace: string, abs: string): string {
  return relative(workspace, abs) || ".";
}

function inside(root: string, p: string): boolean {
  const rel = relative(root, p);
  return rel === "" || (!rel.startsWith(`..${sep}`) && rel !== ".." && !isAbsolute(rel));
}

function outside(path: string, workspace: string, via?: string): ToolError {
  return new ToolError(
    `path "${path}" is outside the workspace ${workspace}${via ? ` (it resolves to ${via})` : ""}; ` +
      "only files inside the workspace can be used; give a path relative to the workspace root",
  );
}

function realOfExisting(abs: string): string {
  let p = abs;
  const rest: string[] = [];
  for (;;) {
    try {
      const real = realpathSync(p);
      return rest.length ? resolve(real, ...rest.reverse()) : real;
    } catch {
      const parent = dirname(p);
      if (parent === p) return abs;
      rest.push(p.slice(parent.length + (parent.endsWith(sep) ? 0 : 1)));
      p = parent;
    }
  }
}
