/**
 * bench/search corpus: Debian's manual pages, a public corpus nobody on the team wrote, with known
 * answers. Each page gives its NAME line's one-line description (the query) and its rendered text
 * (what the conversation entries carry). The NAME section is cut from the text by default: a query
 * that is a verbatim copy of a line of the page measures string matching, not retrieval; without
 * it the description has to be found in the words of the page's body (`BENCH_SEARCH_KEEP_NAME=1`
 * keeps it).
 *
 * Extraction renders every page with groff, which takes minutes on 2 cores, so the result is cached
 * (~/.cache/strand-bench/manpages-v1.json); later runs read the cache.
 *
 *   npx tsx bench/search/corpus.ts            # builds (or reads) the cache and prints its size
 */
import { execFile, execFileSync } from "node:child_process";
import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { basename, dirname, join } from "node:path";
import { promisify } from "node:util";
import { gunzipSync } from "node:zlib";

const run = promisify(execFile);

export interface ManPage {
  /** `ls(1)`. */
  id: string;
  name: string;
  section: string;
  /** The NAME line's description, e.g. "list directory contents": the query whose answer is this page. */
  description: string;
  /** The rendered page, plain text (the NAME section cut unless kept). */
  text: string;
}

export interface Corpus {
  pages: ManPage[];
  /** Where it came from and what was dropped, for the printout. */
  source: { files: number; no_description: number; duplicate_description: number; empty_text: number };
}

const MAN_ROOT = "/usr/share/man";
const SECTIONS = ["1", "2", "3", "4", "5", "7", "8"];
/** The longest page text kept: a few pages (perlfunc, bash) are 300 KB+; conversations quote, not paste books. */
const MAX_TEXT = 40_000;
const CACHE_VERSION = 1;

export function cachePath(): string {
  const base = process.env.XDG_CACHE_HOME ?? join(homedir(), ".cache");
  return join(base, "strand-bench", `manpages-v${CACHE_VERSION}.json`);
}

/** Installs the pages and tools from Debian's mirrors when missing (the only network this machine reaches). */
export function ensureManTools(log: (s: string) => void): void {
  const have = (bin: string) => {
    try {
      execFileSync("sh", ["-c", `command -v ${bin}`], { stdio: "ignore" });
      return true;
    } catch {
      return false;
    }
  };
  if (have("groff") && have("lexgrog") && existsSync(join(MAN_ROOT, "man2"))) return;
  log("installing manpages, manpages-dev, man-db and groff-base from Debian's mirrors…\n");
  const sudo = process.getuid?.() === 0 ? [] : ["sudo"];
  const apt = (...args: string[]) =>
    execFileSync(sudo[0] ?? "apt-get", [...(sudo.length ? ["apt-get"] : []), ...args], {
      stdio: "inherit",
      env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" },
    });
  apt("update");
  apt("install", "-y", "--no-install-recommends", "manpages", "manpages-dev", "man-db", "groff-base");
}

/** The page files themselves: no symlinks, no `.so` redirects (aliases of another page). */
function pageFiles(): string[] {
  const files: string[] = [];
  for (const s of SECTIONS) {
    const dir = join(MAN_ROOT, `man${s}`);
    if (!existsSync(dir)) continue;
    for (const f of readdirSync(dir).sort()) {
      const path = join(dir, f);
      if (lstatSync(path).isSymbolicLink()) continue;
      const raw = readSource(path);
      if (raw === undefined || /^\.so\s/m.test(raw.slice(0, 200)) || raw.length < 200) continue;
      files.push(path);
    }
  }
  return files;
}

function readSource(path: string): string | undefined {
  try {
    const buf = readFileSync(path);
    return (path.endsWith(".gz") ? gunzipSync(buf) : buf).toString("utf8");
  } catch {
    return undefined;
  }
}

/** `ls - list directory contents` for each file, from man-db's lexgrog (what whatis/apropos index). */
async function descriptions(files: string[]): Promise<Map<string, { names: string; description: string }>> {
  const out = new Map<string, { names: string; description: string }>();
  for (let i = 0; i < files.length; i += 200) {
    const batch = files.slice(i, i + 200);
    const { stdout } = await run("lexgrog", batch, { maxBuffer: 64 << 20 }).catch((e) => ({
      stdout: String(e.stdout ?? ""),
    }));
    for (const line of stdout.split("\n")) {
      const m = /^(.*?): "(.*)"$/.exec(line);
      if (!m?.[1] || !m[2] || out.has(m[1])) continue;
      const dash = m[2].indexOf(" - ");
      if (dash < 0) continue;
      out.set(m[1], { names: m[2].slice(0, dash).trim(), description: m[2].slice(dash + 3).trim() });
    }
  }
  return out;
}

async function render(path: string): Promise<string> {
  // -t: tables (tbl); -P-cbou: plain characters, no bold/underline overstrikes; errors are the page's own.
  const cmd = `${path.endsWith(".gz") ? "zcat" : "cat"} "$1" | groff -man -t -Tutf8 -P-cbou -rLL=100n 2>/dev/null`;
  const { stdout } = await run("sh", ["-c", cmd, "sh", path], {
    cwd: dirname(dirname(path)),
    maxBuffer: 64 << 20,
    env: { ...process.env, MANWIDTH: "100" },
  }).catch((e) => ({ stdout: String(e.stdout ?? "") }));
  return stdout;
}

/** Plain text of a rendered page: no running header/footer, no NAME section unless kept, tidy whitespace. */
export function cleanRendered(rendered: string, keepName: boolean): string {
  const lines = rendered.replace(/\r/g, "").split("\n");
  // The first and last non-empty lines are the running header (`LS(1) User Commands LS(1)`) and footer.
  while (lines.length && !lines[0]?.trim()) lines.shift();
  lines.shift();
  while (lines.length && !lines.at(-1)?.trim()) lines.pop();
  lines.pop();
  const kept: string[] = [];
  let inName = false;
  for (const line of lines) {
    if (/^\S/.test(line)) inName = /^NAME\b/.test(line.trim()) || /^НАЗВАНИЕ|^NOM\b/.test(line);
    if (inName && !keepName) continue;
    kept.push(line.replace(/\s+$/, ""));
  }
  return kept
    .join("\n")
    .replace(/[\u2010\u2011]/g, "-")
    .replace(/\n{3,}/g, "\n\n")
    .trim()
    .slice(0, MAX_TEXT);
}

interface RawPage {
  id: string;
  name: string;
  section: string;
  description: string;
  rendered: string;
}
interface Cache {
  version: number;
  files: number;
  raw: RawPage[];
}

/** Builds the corpus (or reads the cache). `keepName` changes only the text, so both come from one cache. */
export async function loadCorpus(opts: { log?: (s: string) => void; keepName?: boolean } = {}): Promise<Corpus> {
  const log = opts.log ?? ((s: string) => process.stderr.write(s));
  const keepName = opts.keepName ?? process.env.BENCH_SEARCH_KEEP_NAME === "1";
  const path = cachePath();
  let cached: Cache | undefined;
  if (existsSync(path)) {
    cached = JSON.parse(readFileSync(path, "utf8"));
    if (cached?.version !== CACHE_VERSION) cached = undefined;
  }
  if (!cached) {
    ensureManTools(log);
    const t0 = performance.now();
    const files = pageFiles();
    log(`corpus: ${files.length} manual pages under ${MAN_ROOT}; reading NAME lines…\n`);
    const desc = await descriptions(files);
    const withDesc = files.filter((f) => desc.has(f));
    log(`corpus: rendering ${withDesc.length} pages with groff (cached in ${path} afterwards)…\n`);
    const raw: RawPage[] = [];
    let next = 0;
    const worker = async () => {
      while (next < withDesc.length) {
        const f = withDesc[next++] as string;
        const d = desc.get(f) as { names: string; description: string };
        const m = /^(.+)\.([0-9][a-z0-9]*)(\.gz)?$/.exec(basename(f));
        const name = m?.[1] ?? basename(f);
        const section = m?.[2] ?? "?";
        raw.push({ id: `${name}(${section})`, name, section, description: d.description, rendered: await render(f) });
        if (raw.length % 1000 === 0)
          log(`  ${raw.length}/${withDesc.length} (${((performance.now() - t0) / 1000).toFixed(0)} s)\n`);
      }
    };
    await Promise.all(Array.from({ length: Number(process.env.BENCH_SEARCH_RENDER_JOBS ?? 2) }, worker));
    raw.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    cached = { version: CACHE_VERSION, files: files.length, raw };
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, JSON.stringify(cached));
    log(`corpus: extracted in ${((performance.now() - t0) / 1000).toFixed(0)} s\n`);
  }
  const source = { files: cached.files, no_description: 0, duplicate_description: 0, empty_text: 0 };
  source.no_description = cached.files - cached.raw.length;
  const norm = (s: string) => s.toLowerCase().replace(/\s+/g, " ").trim();
  const count = new Map<string, number>();
  for (const r of cached.raw) count.set(norm(r.description), (count.get(norm(r.description)) ?? 0) + 1);
  const pages: ManPage[] = [];
  for (const r of cached.raw) {
    const d = norm(r.description);
    // A description shared by two pages has no single known answer; one word is not a query.
    if (!d || d.split(" ").length < 2) {
      source.no_description++;
      continue;
    }
    if ((count.get(d) ?? 0) > 1) {
      source.duplicate_description++;
      continue;
    }
    const text = cleanRendered(r.rendered, keepName);
    if (text.length < 100) {
      source.empty_text++;
      continue;
    }
    pages.push({ id: r.id, name: r.name, section: r.section, description: r.description.trim(), text });
  }
  return { pages, source };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const c = await loadCorpus();
  const chars = c.pages.reduce((n, p) => n + p.text.length, 0);
  process.stdout.write(
    `${c.pages.length} pages, ${(chars / 1e6).toFixed(1)} M chars of text; dropped: ${JSON.stringify(c.source)}\n`,
  );
  for (const p of c.pages.slice(0, 3)) process.stdout.write(`  ${p.id}: ${p.description}\n`);
}
