/**
 * Signals sent to kiln's pid reach the program (tini stays at that pid and forwards them to the
 * sandbox's process group), kiln exits with the status the program chose, and the program starts with
 * the same signal dispositions it would have had without kiln. Each case runs with coreutils' env
 * resetting the signals, with kiln's init stage doing it, and under --timeout's chain.
 */
import { describe, expect, test } from 'bun:test';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { KILN, hasCommand, run, tempDir } from '../lib/run.ts';

const SIGNALS = ['TERM', 'INT', 'HUP', 'QUIT', 'USR1', 'USR2'] as const;
const NUMBER: Record<(typeof SIGNALS)[number], number> = { HUP: 1, INT: 2, QUIT: 3, USR1: 10, USR2: 12, TERM: 15 };

/** The three ways a program is started: env resets its signals, the init stage does, or --timeout's chain. */
const MODES: readonly (readonly [string, readonly string[]])[] = [
  ['env stage', []],
  ['init stage', ['--rlimit-nofile=512']],
  ['under --timeout', ['--timeout=00:05:00']],
];

/**
 * A program that traps every signal in SIGNALS: the handler sleeps (so that it visibly runs to its end),
 * writes the signal's name and exits 40 + its number. `ready` appears once the traps are set.
 */
function trapScript(dir: string): string {
  const path = join(dir, 'trap.sh');
  const traps = SIGNALS.map((s) => `trap 'sleep 0.3; echo ${s} > "$1/got"; exit ${40 + NUMBER[s]}' ${s}`).join('\n');
  writeFileSync(path, `#!/bin/bash\n${traps}\ntouch "$1/ready"\nwhile :; do sleep 0.05; done\n`, { mode: 0o755 });
  return path;
}

async function waitFor(path: string, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!existsSync(path)) {
    if (Date.now() > deadline) throw new Error(`${path} never appeared`);
    await Bun.sleep(20);
  }
}

/** Starts `argv` on a fresh process with default dispositions, waits for `ready`, sends `signal` to its pid. */
async function signalled(argv: readonly string[], dir: string, signal: string): Promise<{ code: number | null; got: string }> {
  const proc = Bun.spawn([...argv], { stdout: 'ignore', stderr: 'ignore', stdin: 'ignore' });
  try {
    await waitFor(join(dir, 'ready'));
    process.kill(proc.pid, `SIG${signal}`);
    const code = await proc.exited;
    const got = existsSync(join(dir, 'got')) ? readFileSync(join(dir, 'got'), 'utf8').trim() : '';
    return { code, got };
  } finally {
    proc.kill('SIGKILL');
  }
}

describe('a signal sent to kiln reaches the program, which chooses the exit status', () => {
  for (const [mode, extra] of MODES) {
    for (const sig of SIGNALS) {
      test(`${mode}: SIG${sig}`, async () => {
        const d = tempDir();
        try {
          const r = await signalled([KILN, '--quiet', '--noprofile', ...extra, trapScript(d.path), d.path], d.path, sig);
          expect(r.got).toBe(sig);
          expect(r.code).toBe(40 + NUMBER[sig]);
        } finally {
          d.cleanup();
        }
      });
    }
  }

  test('control: a program that does not handle the signal dies of it, and kiln reports 128+N', async () => {
    for (const [, extra] of MODES) {
      const d = tempDir();
      try {
        const script = join(d.path, 'plain.sh');
        writeFileSync(script, `#!/bin/bash\ntouch "$1/ready"\nwhile :; do sleep 0.05; done\n`, { mode: 0o755 });
        const r = await signalled([KILN, '--quiet', '--noprofile', ...extra, script, d.path], d.path, 'HUP');
        expect(r.code).toBe(128 + 1);
      } finally {
        d.cleanup();
      }
    }
  });
});

describe('the program starts with the dispositions it would have without kiln', () => {
  const probe = ['/bin/sh', '-c', 'grep -E "^Sig(Ign|Blk)" /proc/self/status'];
  const host = run(probe).stdout;

  for (const [mode, extra] of MODES) {
    test(`${mode}: nothing ignored or blocked that the caller did not`, () => {
      const r = run([KILN, '--quiet', '--noprofile', ...extra, ...probe]);
      expect(r.code).toBe(0);
      expect(r.stdout).toBe(host);
    });

    test(`${mode}: a signal the caller ignores (nohup's SIGHUP) stays ignored`, () => {
      const ignored = (out: string) => ((BigInt(`0x${/SigIgn:\s*([0-9a-f]+)/.exec(out)?.[1] ?? '0'}`) >> 0n) & 1n) === 1n;
      const inside = run(['env', '--ignore-signal=HUP', KILN, '--quiet', '--noprofile', ...extra, ...probe]);
      expect(inside.code).toBe(0);
      expect(ignored(inside.stdout)).toBe(true);
      // control: the same caller without nohup's disposition
      expect(ignored(run([KILN, '--quiet', '--noprofile', ...extra, ...probe]).stdout)).toBe(false);
    });
  }
});

/** Every process below `pid`, from /proc. */
function descendants(pid: number): number[] {
  const parent = new Map<number, number>();
  for (const e of new Bun.Glob('[0-9]*').scanSync({ cwd: '/proc', onlyFiles: false })) {
    try {
      const stat = readFileSync(`/proc/${e}/stat`, 'utf8');
      parent.set(Number(e), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      // gone meanwhile
    }
  }
  const out: number[] = [];
  const walk = (p: number) => {
    for (const [child, pp] of parent) if (pp === p) out.push(child), walk(child);
  };
  walk(pid);
  return out;
}

/** Running, not a zombie that nobody has reaped yet. */
function isLive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

describe('lifetime', () => {
  for (const [mode, extra] of MODES) {
    test(`${mode}: SIGKILL of kiln's pid takes the whole sandbox down`, async () => {
      const d = tempDir();
      try {
        const script = join(d.path, 'pid.sh');
        writeFileSync(script, `#!/bin/bash\ntouch "$1/ready"\nexec sleep 300\n`, { mode: 0o755 });
        const proc = Bun.spawn([KILN, '--quiet', '--noprofile', ...extra, script, d.path], { stdout: 'ignore', stderr: 'ignore' });
        await waitFor(join(d.path, 'ready'));
        await Bun.sleep(200);
        const before = descendants(proc.pid);
        // tini, bwrap's monitor, bwrap's pid 1 and the program at least
        expect(before.length).toBeGreaterThanOrEqual(3);
        proc.kill('SIGKILL');
        await proc.exited;
        const deadline = Date.now() + 5000;
        let alive = before;
        while (alive.length > 0 && Date.now() < deadline) {
          await Bun.sleep(50);
          alive = before.filter(isLive);
        }
        expect(alive).toEqual([]);
      } finally {
        d.cleanup();
      }
    });
  }
});

describe('--timeout', () => {
  test('when time is up the program gets SIGTERM and its handler finishes; kiln exits 124', () => {
    const d = tempDir();
    try {
      const r = run([KILN, '--quiet', '--noprofile', '--timeout=00:00:02', trapScript(d.path), d.path], { timeoutMs: 30_000 });
      expect(readFileSync(join(d.path, 'got'), 'utf8').trim()).toBe('TERM');
      expect(r.code).toBe(124);
      // control: a program that ends in time keeps its own status
      expect(run([KILN, '--quiet', '--noprofile', '--timeout=00:00:30', '/bin/sh', '-c', 'exit 7']).code).toBe(7);
    } finally {
      d.cleanup();
    }
  });

  test('a program that ignores SIGTERM is killed after the grace period', () => {
    const r = run([KILN, '--quiet', '--noprofile', '--timeout=00:00:01', '/bin/sh', '-c', 'trap "" TERM; sleep 60; exit 3'], { timeoutMs: 40_000 });
    expect(r.code).toBe(128 + 9);
  });
});

describe('Ctrl-C on a terminal', () => {
  test.skipIf(!hasCommand('script') || !hasCommand('python3'))('a foreground program that is not a shell runs its SIGINT handler', async () => {
    const d = tempDir();
    try {
      const prog = join(d.path, 'int.py');
      writeFileSync(
        prog,
        [
          'import signal, sys, time, pathlib',
          'd = pathlib.Path(sys.argv[1])',
          'def h(*_):',
          '    (d / "got").write_text("INT")',
          '    sys.exit(42)',
          'signal.signal(signal.SIGINT, h)',
          '(d / "ready").touch()',
          'time.sleep(60)',
        ].join('\n'),
      );
      // script(1) gives kiln a pseudo-terminal; a ^C written to it is the terminal's SIGINT to the
      // foreground process group, which tini has handed to the sandbox.
      const proc = Bun.spawn(['script', '-qec', `${KILN} --quiet --noprofile python3 ${prog} ${d.path}`, '/dev/null'], { stdin: 'pipe', stdout: 'pipe', stderr: 'ignore' });
      await waitFor(join(d.path, 'ready'));
      await Bun.sleep(200);
      proc.stdin.write('\x03');
      await proc.stdin.flush();
      const code = await proc.exited;
      expect(readFileSync(join(d.path, 'got'), 'utf8')).toBe('INT');
      expect(code).toBe(42);
    } finally {
      d.cleanup();
    }
  });

  test.skipIf(!hasCommand('script'))('an interactive shell keeps job control and its exit status', () => {
    const r = run(['script', '-qec', `${KILN} --quiet --noprofile /bin/bash --norc -i`, '/dev/null'], {
      stdin: 'sleep 30 &\njobs -l | wc -l\nkill %1\nwait\necho "flags:$-"\nexit 7\n',
    });
    expect(r.stdout).toMatch(/flags:[a-zA-Z]*m/);
    expect(r.code).toBe(7);
  });
});

describe('start-up', () => {
  test('without tini, kiln names the package and starts nothing', () => {
    const d = tempDir();
    try {
      const r = run([KILN, '--noprofile', '/bin/sh', '-c', `touch ${d.path}/ran`], { env: { KILN_TINI: '/nonexistent/tini' } });
      expect(r.code).toBe(1);
      expect(r.stderr).toContain('tini');
      expect(existsSync(join(d.path, 'ran'))).toBe(false);
      // control: with tini, the same command runs
      expect(run([KILN, '--quiet', '--noprofile', '/bin/sh', '-c', `touch ${d.path}/ran`]).code).toBe(0);
      expect(existsSync(join(d.path, 'ran'))).toBe(true);
    } finally {
      d.cleanup();
    }
  });
});
