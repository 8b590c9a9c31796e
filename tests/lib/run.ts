/**
 * Test helpers: run the built kiln binary (or any command) and collect exit status and output.
 * Sandboxes are judged by exit codes and files, not by message text.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const ROOT = resolve(import.meta.dir, '../..');
export const KILN = process.env['KILN_BIN'] ?? join(ROOT, 'dist/kiln');
export const IS_ROOT = process.getuid?.() === 0;

/**
 * A JavaScript stack frame, as Bun prints one for an uncaught error (`at fn (file:1:2)`). Matched only to
 * check that kiln did not crash; no test reads kiln's messages otherwise.
 */
export const STACK_FRAME = /\n\s+at .*\(|\bat .*:\d+:\d+/;

export interface Result {
  readonly code: number;
  readonly signal: string | null;
  readonly stdout: string;
  readonly stderr: string;
}

export interface RunOptions {
  readonly env?: Record<string, string | undefined>;
  readonly cwd?: string;
  readonly stdin?: string;
  readonly timeoutMs?: number;
}

export function run(argv: readonly string[], opts: RunOptions = {}): Result {
  const p = Bun.spawnSync([...argv], {
    env: { ...process.env, ...opts.env } as Record<string, string>,
    cwd: opts.cwd ?? ROOT,
    stdin: opts.stdin === undefined ? 'ignore' : Buffer.from(opts.stdin),
    stdout: 'pipe',
    stderr: 'pipe',
    timeout: opts.timeoutMs ?? 30_000,
  });
  return {
    code: p.exitCode ?? -1,
    signal: p.signalCode === undefined || p.signalCode === null ? null : String(p.signalCode),
    stdout: p.stdout.toString(),
    stderr: p.stderr.toString(),
  };
}

/** Runs kiln with the given arguments. */
export function kiln(args: readonly string[], opts: RunOptions = {}): Result {
  if (!existsSync(KILN)) throw new Error(`${KILN} is missing; run npm run build first`);
  return run([KILN, ...args], opts);
}

/** Runs a shell snippet in a kiln sandbox with no profile; the snippet gets no user data interpolated. */
export function sandboxSh(script: string, extra: readonly string[] = [], opts: RunOptions = {}): Result {
  return kiln(['--quiet', '--noprofile', ...extra, '/bin/sh', '-c', script], opts);
}

/** The same shell snippet without any sandbox: the positive control. */
export function hostSh(script: string, opts: RunOptions = {}): Result {
  return run(['/bin/sh', '-c', script], opts);
}

/** A fresh temporary directory, removed by the returned function. */
export function tempDir(prefix = 'kiln-test-'): { path: string; cleanup: () => void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, cleanup: () => rmSync(path, { recursive: true, force: true }) };
}

export function hasCommand(name: string): boolean {
  return run(['/bin/sh', '-c', `command -v ${name}`]).code === 0;
}
