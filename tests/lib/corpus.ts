/**
 * Launching Debian's firejail profiles under kiln and firejail, for the corpus test and bench.
 */
import { lstatSync, readdirSync, readFileSync, rmdirSync, unlinkSync } from 'node:fs';
import { join, resolve } from 'node:path';

export const CORPUS = '/etc/firejail';
const KILN = process.env['KILN_BIN'] ?? resolve(import.meta.dir, '../../dist/kiln');

export interface CorpusResult {
  readonly name: string;
  readonly kiln: number;
  readonly firejail: number;
  readonly kilnErr: string;
}

async function exitCode(argv: string[]): Promise<{ code: number; err: string }> {
  const p = Bun.spawn(argv, { stdout: 'ignore', stderr: 'pipe', stdin: 'ignore' });
  const timer = setTimeout(() => p.kill('SIGKILL'), 20_000);
  const err = await new Response(p.stderr).text();
  const code = await p.exited;
  clearTimeout(timer);
  return { code, err: err.slice(0, 300) };
}

/**
 * What a shell should find in any sandbox a profile builds: /dev/null and /dev/urandom, /etc/passwd, a
 * listable / and its home. Each profile's private-bin and private-lib are set aside, so that the shell and
 * its libraries are there. (`true` needs next to nothing: a whitelist once emptied /dev under dozens of
 * profiles, and every one of them still ran true.)
 */
export const SHELL_PROBE = {
  options: ['--ignore=private-bin', '--ignore=private-lib'],
  program: ['/bin/sh', '-c', 'test -c /dev/null && test -c /dev/urandom && test -r /etc/passwd && ls / >/dev/null && test -d "$HOME"'],
} as const;

/**
 * `kiln --quiet [options] --profile=PATH program…` and the same under firejail, for each profile; by
 * default the program is `true`. (firejail wants --ignore before --profile.)
 */
export async function runCorpus(
  names: readonly string[],
  concurrency: number,
  run: { readonly options?: readonly string[]; readonly program?: readonly string[] } = {},
): Promise<CorpusResult[]> {
  const options = run.options ?? [];
  const program = run.program ?? ['true'];
  const out: CorpusResult[] = [];
  let next = 0;
  const worker = async () => {
    while (next < names.length) {
      const name = names[next++] as string;
      const path = join(CORPUS, name);
      const k = await exitCode([KILN, '--quiet', ...options, `--profile=${path}`, ...program]);
      const f = await exitCode(['firejail', '--quiet', ...options, `--profile=${path}`, ...program]);
      out.push({ name, kiln: k.code, firejail: f.code, kilnErr: k.err });
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return out.sort((a, b) => a.name.localeCompare(b.name));
}

/**
 * Profiles create directories and files in the home on the host (`mkdir ~/.mozilla`, `mkfile …`), under
 * kiln and under firejail alike. After a corpus run, this removes what the run created there: entries born
 * after `since` (statx birth time) that are empty, deepest first. Nothing older, nothing with contents.
 */
/**
 * A start-up file that a `private DIR` profile (`private ~/.xmr-stak`) seeds its directory with, under kiln
 * and Firejail alike: /etc/skel's shell rc file, or the .inputrc that turns completion off, byte for byte.
 */
function isSeedFile(path: string, name: string): boolean {
  const seeds: Record<string, () => string | undefined> = {
    '.inputrc': () => 'set disable-completion on\n',
    '.bashrc': () => readSkel('.bashrc'),
    '.zshrc': () => readSkel('.zshrc') ?? '',
    '.cshrc': () => readSkel('.cshrc') ?? '',
  };
  const seed = seeds[name]?.();
  if (seed === undefined) return false;
  try {
    return readFileSync(path, 'utf8') === seed;
  } catch {
    return false;
  }
}

function readSkel(name: string): string | undefined {
  try {
    return readFileSync(`/etc/skel/${name}`, 'utf8');
  } catch {
    return undefined;
  }
}

export function removeCreatedSince(dir: string, since: number, depth = 6): void {
  if (depth === 0) return;
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return; // unreadable or gone
  }
  for (const name of names) {
    const path = join(dir, name);
    const st = lstatSync(path);
    if (st.isDirectory() && !st.isSymbolicLink()) removeCreatedSince(path, since, depth - 1);
    if (st.birthtimeMs < since) continue;
    try {
      if (st.isDirectory()) rmdirSync(path); // fails, and so keeps it, unless empty
      else if (st.isFile() && (st.size === 0 || isSeedFile(path, name))) unlinkSync(path);
    } catch {
      // not empty: something the user (or a profile's program) put there; left alone
    }
  }
}
