/**
 * A private network "world" for network tests: a network namespace of the test's own, with a bridge, web
 * servers and whatever else a test adds, so that nothing on the real host is touched and everything goes
 * with the namespace.
 *
 * - As root: `ip netns add` (a named namespace, deleted at the end); commands run with `ip netns exec`.
 * - As any user: a holder process in `unshare -rn` (a user and network namespace of the test's own); commands
 *   run with nsenter into it, as its uid 0, which may make bridges and veths there.
 *
 * kiln itself runs in the world either as the caller (root: Firejail's root model) or, for user-mode
 * networking, as a non-root uid of a user namespace nested below the world's, so that kiln sees an
 * unprivileged caller whoever runs the tests.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { IS_ROOT, KILN, run, type Result, type RunOptions } from './run.ts';

export interface World {
  /** Runs argv inside the world with the world's full privileges (its root). */
  readonly exec: (argv: readonly string[], opts?: RunOptions) => Result;
  /** Starts argv inside the world in the background; the returned function kills it. */
  readonly spawn: (argv: readonly string[]) => { readonly pid: number; readonly kill: () => void };
  /** kiln as root inside the world (root tests only). */
  readonly kilnRoot: (args: readonly string[], opts?: RunOptions) => Result;
  /** kiln as an unprivileged uid inside the world: user-mode networking. */
  readonly kilnUser: (args: readonly string[], opts?: RunOptions) => Result;
  /** The argv prefix kilnUser uses (for background runs). */
  readonly userPrefix: readonly string[];
  readonly rootPrefix: readonly string[];
  readonly cleanup: () => void;
}

const PY = '/usr/bin/python3';

/** A tiny HTTP server on ADDRESS:PORT that answers 200 (python3's http.server, in its own directory). */
export function serverArgv(address: string, port: number, dir: string): string[] {
  return [PY, '-m', 'http.server', String(port), '--bind', address, '--directory', dir];
}

/** A python3 probe: prints the HTTP status of URL, or exits 3 if it cannot connect. */
export const FETCH = [
  PY,
  '-c',
  'import sys,urllib.request\ntry:\n  print(urllib.request.urlopen(sys.argv[1],timeout=4).status)\nexcept Exception as e:\n  print("ERR",e,file=sys.stderr);sys.exit(3)',
];

export function makeWorld(tag: string): World {
  const home = mkdtempSync(join(tmpdir(), `kiln-net-${tag}-`));
  const children: { kill: () => void }[] = [];
  let enter: string[];
  let holder: ReturnType<typeof Bun.spawn> | undefined;
  let ns: string | undefined;
  if (IS_ROOT) {
    ns = `kt-${tag}-${process.pid}`;
    const r = run(['ip', 'netns', 'add', ns]);
    if (r.code !== 0) throw new Error(`ip netns add ${ns}: ${r.stderr}`);
    enter = ['ip', 'netns', 'exec', ns];
  } else {
    holder = Bun.spawn(['unshare', '-rn', 'sleep', '3600'], { stdio: ['ignore', 'ignore', 'inherit'] });
    // Wait until the holder is in its namespaces (its net namespace differs from ours).
    const self = run(['readlink', '/proc/self/ns/net']).stdout.trim();
    for (let i = 0; i < 200 && run(['readlink', `/proc/${holder.pid}/ns/net`]).stdout.trim() === self; i++) Bun.sleepSync(10);
    enter = ['nsenter', '-t', String(holder.pid), '-U', '-n', '--preserve-credentials'];
  }
  const exec = (argv: readonly string[], opts: RunOptions = {}) => run([...enter, ...argv], opts);
  exec(['ip', 'link', 'set', 'lo', 'up']);
  // NOTE: --map-user maps a non-zero uid onto the world's root (the caller outside); kiln then sees an
  // unprivileged caller who owns HOME, as a real user would.
  const uid = IS_ROOT ? 1000 : (process.getuid?.() ?? 1000);
  const gid = IS_ROOT ? 1000 : (process.getgid?.() ?? 1000);
  const userPrefix = [...enter, 'unshare', '-U', `--map-user=${uid}`, `--map-group=${gid}`, '--', 'env', '-u', 'XDG_RUNTIME_DIR', `HOME=${home}`, KILN];
  const rootPrefix = [...enter, KILN];
  return {
    exec,
    spawn: (argv) => {
      const p = Bun.spawn([...enter, ...argv], { stdio: ['ignore', 'ignore', 'ignore'] });
      const c = { pid: p.pid, kill: () => p.kill(9) };
      children.push(c);
      return c;
    },
    kilnRoot: (args, opts = {}) => run([...rootPrefix, ...args], opts),
    kilnUser: (args, opts = {}) => run([...userPrefix, ...args], opts),
    userPrefix,
    rootPrefix,
    cleanup: () => {
      for (const c of children) c.kill();
      if (ns !== undefined) run(['ip', 'netns', 'del', ns]);
      holder?.kill(9);
      rmSync(home, { recursive: true, force: true });
    },
  };
}

/** Waits (bounded, polling) until `check` holds; returns whether it did. Not a timing assertion. */
export function eventually(check: () => boolean, tries = 100, everyMs = 50): boolean {
  for (let i = 0; i < tries; i++) {
    if (check()) return true;
    Bun.sleepSync(everyMs);
  }
  return check();
}
