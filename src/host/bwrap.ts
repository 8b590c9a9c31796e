/**
 * Finds bwrap and learns which options it accepts, from `bwrap --help` rather than from its version
 * (distributions backport options). The answer is cached per bwrap binary, keyed by path, size and mtime,
 * so a launch normally costs one stat and one small read instead of a process start.
 */
import { HostError } from '../errors.ts';
import { isExecutableFile, noteContents, readText, stat, unrecorded } from '../sys/fs.ts';

export interface BwrapInfo {
  readonly path: string;
  /** Option names without leading dashes, for example `unshare-cgroup-try`, `ro-bind-fd`. */
  readonly options: ReadonlySet<string>;
}

/** Debian package names, for the "install it" hint. */
const PACKAGE_HINT = 'install the bubblewrap package (apt-get install bubblewrap)';

export function findExecutable(name: string, pathVar: string | undefined): string | undefined {
  if (name.includes('/')) return isExecutableFile(name) ? name : undefined;
  for (const dir of (pathVar ?? '/usr/local/bin:/usr/bin:/bin').split(':')) {
    if (dir === '') continue;
    // An unreadable PATH entry is skipped, as execvp(3) skips it (isExecutableFile says false).
    const candidate = `${dir}/${name}`;
    if (isExecutableFile(candidate)) return candidate;
  }
  return undefined;
}

/** Parses the option names out of `bwrap --help` text. */
export function parseBwrapHelp(text: string): Set<string> {
  const options = new Set<string>();
  for (const line of text.split('\n')) {
    const m = /^\s+--([a-z0-9-]+)/.exec(line);
    if (m?.[1] !== undefined) options.add(m[1]);
  }
  return options;
}

interface CacheEntry {
  path: string;
  size: number;
  mtimeMs: number;
  options: string[];
}

export async function probeBwrap(env: Readonly<Record<string, string | undefined>>, cacheDir: string | undefined): Promise<BwrapInfo> {
  const override = env['KILN_BWRAP'];
  const path = override ?? findExecutable('bwrap', '/usr/bin:/bin:/usr/local/bin:' + (env['PATH'] ?? ''));
  if (path === undefined) throw new HostError(`bwrap (bubblewrap) was not found; ${PACKAGE_HINT}`);
  const st = stat(path);
  if (st === undefined) throw new HostError(`bwrap not found at ${path}; ${PACKAGE_HINT}`);
  noteContents(path); // a cached plan holds these options only as long as the binary is the same

  const cacheFile = cacheDir === undefined ? undefined : `${cacheDir}/bwrap-options.json`;
  if (cacheFile !== undefined) {
    // The memo of bwrap's options is not a fact of the plan: the binary it describes is (noted above).
    const cached = unrecorded(() => readCache(cacheFile));
    if (cached && cached.path === path && cached.size === st.size && cached.mtimeMs === st.mtimeMs) {
      return { path, options: new Set(cached.options) };
    }
  }
  const help = Bun.spawnSync([path, '--help'], { stdout: 'pipe', stderr: 'pipe' });
  const options = parseBwrapHelp(help.stdout.toString() + help.stderr.toString());
  if (!options.has('args') || !options.has('unshare-pid')) {
    throw new HostError(`${path} does not look like bubblewrap (its --help lists no --args); ${PACKAGE_HINT}`);
  }
  if (cacheFile !== undefined && cacheDir !== undefined) {
    await writeCache(cacheDir, cacheFile, { path, size: st.size, mtimeMs: st.mtimeMs, options: [...options].sort() });
  }
  return { path, options };
}

function readCache(file: string): CacheEntry | undefined {
  let text: string | undefined;
  try {
    text = readText(file);
  } catch {
    return undefined; // unreadable: probe again
  }
  if (text === undefined) return undefined;
  try {
    const v = JSON.parse(text) as Partial<CacheEntry>;
    if (typeof v.path === 'string' && typeof v.size === 'number' && typeof v.mtimeMs === 'number' && Array.isArray(v.options)) {
      return { path: v.path, size: v.size, mtimeMs: v.mtimeMs, options: v.options.filter((o) => typeof o === 'string') };
    }
  } catch {
    // a corrupt cache is rewritten below
  }
  return undefined;
}

async function writeCache(dir: string, file: string, entry: CacheEntry): Promise<void> {
  // Only on a cache miss, so node:fs's load cost is paid once per bwrap upgrade.
  const { mkdirSync, renameSync, writeFileSync } = await import('node:fs');
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify(entry), { mode: 0o600 });
    renameSync(tmp, file);
  } catch {
    // The cache is an optimisation; a read-only home must not stop a launch.
  }
}
