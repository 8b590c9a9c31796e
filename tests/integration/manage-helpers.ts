/**
 * Helpers for the sandbox-management tests: sandboxes running in the background, `--list --json`, and
 * another user to test the boundaries between users with.
 */
import type { Subprocess } from 'bun';
import { readFileSync } from 'node:fs';
import { IS_ROOT, KILN, kiln, run, type Result, type RunOptions } from '../lib/run.ts';

export interface ListedSandbox {
  readonly pid: number;
  readonly pid1?: number;
  readonly uid: number;
  readonly user: string;
  readonly name: string;
  readonly command: readonly string[];
  readonly program: readonly string[];
  readonly profiles: readonly string[];
  readonly cwd: string;
  readonly started: string;
}

let seq = 0;
/** A sandbox name no other test (or concurrent test run) uses. */
export function uniqueName(tag: string): string {
  return `${tag}-${process.pid}-${++seq}`;
}

/** Another unprivileged user to start sandboxes as, when running as root; undefined otherwise. */
export const OTHER_USER: { name: string; uid: number; home: string } | undefined = (() => {
  if (!IS_ROOT) return undefined;
  for (const name of [process.env['KILN_TEST_USER'], 'kilntest', 'kilnci']) {
    if (name === undefined) continue;
    const r = run(['getent', 'passwd', name]);
    const f = r.stdout.trim().split(':');
    if (r.code !== 0 || f.length < 7) continue;
    // The other user must be able to run this build of kiln.
    if (run(['runuser', '-u', name, '--', 'test', '-x', KILN]).code !== 0) continue;
    return { name, uid: Number(f[2]), home: f[5] ?? '/' };
  }
  return undefined;
})();

/** argv run as the other user, with a login-like environment and no runtime directory. */
export function asOther(argv: readonly string[]): string[] {
  if (OTHER_USER === undefined) throw new Error('no other user');
  const { name, home } = OTHER_USER;
  return ['runuser', '-u', name, '--', 'env', '-i', `HOME=${home}`, `USER=${name}`, 'PATH=/usr/bin:/bin', ...argv];
}

/** kiln as the other user (cwd /tmp, which they can enter). */
export function kilnAsOther(args: readonly string[], opts: RunOptions = {}): Result {
  return run(asOther([KILN, ...args]), { cwd: '/tmp', ...opts });
}

export function listJson(asOtherUser = false): ListedSandbox[] {
  const r = asOtherUser ? kilnAsOther(['--list', '--json']) : kiln(['--list', '--json']);
  if (r.code !== 0) throw new Error(`kiln --list --json failed: ${r.stderr}`);
  return JSON.parse(r.stdout) as ListedSandbox[];
}

export async function waitFor<T>(what: string, probe: () => T | undefined, ms = 15_000): Promise<T> {
  const deadline = performance.now() + ms;
  for (;;) {
    const v = probe();
    if (v !== undefined) return v;
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await Bun.sleep(25);
  }
}

export interface Running {
  readonly name: string;
  readonly proc: Subprocess;
  /** The sandbox's anchor (bwrap's monitor), as --list shows it. */
  readonly pid: number;
  readonly pid1: number;
  /** Ends the sandbox if it still runs (SIGKILL to its anchor takes the sandbox with it). */
  stop(): Promise<void>;
}

/**
 * Starts `kiln --quiet --noprofile --name=NAME …extra program` (or with --profile) in the background and
 * waits until it is listed with its pid 1.
 */
export async function startSandbox(
  name: string,
  extra: readonly string[] = [],
  program: readonly string[] = ['sleep', '120'],
  opts: { asOtherUser?: boolean; profile?: string } = {},
): Promise<Running> {
  const argv = [KILN, '--quiet', opts.profile === undefined ? '--noprofile' : `--profile=${opts.profile}`, `--name=${name}`, ...extra, ...program];
  const proc = Bun.spawn(opts.asOtherUser === true ? asOther(argv) : argv, { cwd: '/tmp', stdin: 'ignore', stdout: 'ignore', stderr: 'pipe' });
  const listed = await waitFor(`sandbox ${name} to be listed`, () => {
    if (proc.exitCode !== null) throw new Error(`sandbox ${name} exited with ${proc.exitCode}`);
    return listJson(false).find((s) => s.name === name && s.pid1 !== undefined);
  });
  return {
    name,
    proc,
    pid: listed.pid,
    pid1: listed.pid1 ?? 0,
    stop: async () => {
      try {
        process.kill(listed.pid, 'SIGKILL');
      } catch {
        // already gone
      }
      await proc.exited;
    },
  };
}

/** Whether a process runs (a zombie does not count). */
export function isRunning(pid: number): boolean {
  try {
    return !/\) [ZX] /.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}
