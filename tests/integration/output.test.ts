/**
 * --output and --output-stderr (src/launch/output.ts): the program's output reaches the caller and a log
 * file, rotated as Firejail rotates it; a program that had a terminal keeps one; the relay goes with the
 * sandbox, SIGKILL included. Judged by files, sizes, exit codes and /proc.
 */
import { afterAll, describe, expect, test } from 'bun:test';
import { existsSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { KILN, kiln, run, tempDir } from '../lib/run.ts';

const LIMIT = 500 * 1024;
const t = tempDir('kiln-output-');
afterAll(() => t.cleanup());
let seq = 0;
const logPath = () => join(t.path, `log-${++seq}`);
const sh = (script: string, extra: readonly string[]) => kiln(['--quiet', '--noprofile', ...extra, '/bin/sh', '-c', script]);

/** Relays whose log is `path`: kiln's binary run as `--kiln-output=3 -- path`. */
function relaysFor(path: string): number[] {
  return readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .filter((d) => {
      try {
        const argv = readFileSync(`/proc/${d}/cmdline`, 'utf8').split('\0');
        return argv.includes('--kiln-output=3') && argv.includes(path);
      } catch {
        return false;
      }
    })
    .map(Number);
}

describe('--output', () => {
  test('stdout reaches the caller and the log; stderr only with --output-stderr; the exit status is kept', () => {
    const log = logPath();
    const r = sh('echo to-stdout; echo to-stderr >&2; exit 7', [`--output=${log}`]);
    expect([r.code, r.stdout]).toEqual([7, 'to-stdout\n']);
    expect(r.stderr).toContain('to-stderr');
    expect(readFileSync(log, 'utf8')).toBe('to-stdout\n');
    const both = logPath();
    const r2 = sh('echo to-stdout; echo to-stderr >&2', [`--output-stderr=${both}`]);
    expect(r2.code).toBe(0);
    expect(readFileSync(both, 'utf8').split('\n').sort()).toEqual(['', 'to-stderr', 'to-stdout']);
    // Control: without the option, no log.
    const none = logPath();
    expect(sh('echo x', []).code).toBe(0);
    expect(existsSync(none)).toBe(false);
  });

  test('a log that cannot be written stops the launch; a link at its place is not followed', () => {
    const ran = join(t.path, 'ran');
    expect(sh(`touch ${ran}`, [`--output=${t.path}/no-such-dir/log`]).code).toBe(1);
    const target = join(t.path, 'link-target');
    writeFileSync(target, 'keep\n');
    const link = join(t.path, 'link');
    symlinkSync(target, link);
    expect(sh(`touch ${ran}`, [`--output=${link}`]).code).toBe(1);
    expect(existsSync(ran)).toBe(false);
    expect(readFileSync(target, 'utf8')).toBe('keep\n');
    expect(sh('true', ['--output=']).code).toBe(1);
    // Control: a plain file in a writable directory works, and the program runs.
    expect(sh(`touch ${ran}`, [`--output=${logPath()}`]).code).toBe(0);
    expect(existsSync(ran)).toBe(true);
  });

  test('a program with a terminal keeps one; without a terminal it gets a pipe, as under Firejail', () => {
    const log = logPath();
    const probe = 'test -t 1 && echo stdout-tty || echo stdout-pipe';
    // python3's pty module gives kiln a terminal on all three fds.
    const tty = run(['/usr/bin/python3', '-c', 'import pty, sys; sys.exit(pty.spawn(sys.argv[1:]) >> 8)', KILN, '--quiet', '--noprofile', `--output=${log}`, '/bin/sh', '-c', probe]);
    expect(tty.code).toBe(0);
    expect(tty.stdout).toContain('stdout-tty');
    // The log holds the bytes the program wrote: no carriage returns from the terminal's output processing.
    expect(readFileSync(log, 'utf8')).toBe('stdout-tty\n');
    const piped = logPath();
    expect(sh(probe, [`--output=${piped}`]).stdout).toBe('stdout-pipe\n');
    expect(readFileSync(piped, 'utf8')).toBe('stdout-pipe\n');
  });

  test('the log rotates under 500 KiB through FILE.1 … FILE.5, newest in FILE', () => {
    const log = logPath();
    // 4 MB of numbered 100-byte lines: more than six files' worth, so the oldest must have gone.
    const script = 'i=0; while [ $i -lt 40000 ]; do printf "%099d\\n" $i; i=$((i+1)); done';
    const r = sh(script, [`--output=${log}`]);
    expect(r.code).toBe(0);
    expect(r.stdout.length).toBe(4_000_000);
    const files = [log, ...[1, 2, 3, 4, 5].map((i) => `${log}.${i}`)];
    for (const f of files) {
      expect(existsSync(f)).toBe(true);
      expect(statSync(f).size).toBeLessThanOrEqual(LIMIT);
    }
    expect(existsSync(`${log}.6`)).toBe(false);
    // Newest last: the run's last line ends FILE, and FILE.1 ends where FILE begins.
    const current = readFileSync(log, 'utf8').trimEnd().split('\n');
    expect(Number(current.at(-1))).toBe(39999);
    const previous = readFileSync(`${log}.1`, 'utf8').trimEnd().split('\n');
    expect(Number(previous.at(-1)) + 1).toBe(Number(current[0]));
    // Rotated files are full: each was started afresh and filled to just under the limit.
    expect(statSync(`${log}.2`).size).toBeGreaterThan(LIMIT - 64 * 1024);
  });

  test('the relay ends with the sandbox, also when kiln is killed with SIGKILL', async () => {
    const log = logPath();
    const p = Bun.spawn([KILN, '--quiet', '--noprofile', `--output=${log}`, '/bin/sh', '-c', 'echo started; exec sleep 120'], { stdout: 'pipe', stderr: 'ignore' });
    const deadline = performance.now() + 15_000;
    while (!(existsSync(log) && readFileSync(log, 'utf8') === 'started\n') && performance.now() < deadline) await Bun.sleep(20);
    expect(readFileSync(log, 'utf8')).toBe('started\n');
    const relays = relaysFor(log);
    expect(relays.length).toBe(1); // control: it runs while the sandbox does
    p.kill('SIGKILL');
    await p.exited;
    const gone = performance.now() + 15_000;
    while (relaysFor(log).length > 0 && performance.now() < gone) await Bun.sleep(20);
    expect(relaysFor(log)).toEqual([]);
  });
});
