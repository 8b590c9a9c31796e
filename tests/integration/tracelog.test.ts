/**
 * tracelog: every open, stat or exec of a blacklisted path reaches the system log, with the sandbox's pid
 * and name, the program and the path; nothing else does, and nothing at all without tracelog; a loop is
 * rate-limited, with a count of what was held back; the supervisor goes with the sandbox, SIGKILL of
 * kiln included. The system log is a socket of the test's own (KILN_SYSLOG_SOCKET), never /dev/log.
 * Runs as root and as an unprivileged user (kt-test).
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { chmodSync, existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { eventually } from '../lib/networld.ts';
import { hasCommand, KILN, ROOT, run, tempDir } from '../lib/run.ts';
import { TRACELOG_BURST, TRACELOG_PER_SECOND } from '../../src/tracelog/ratelimit.ts';

const SKIP = hasCommand('python3') ? '' : 'python3 (the test\'s stand-in for the system log) is missing';
if (SKIP !== '') console.warn(`tracelog tests skipped: ${SKIP}`);

const t = tempDir('kiln-tracelog-');
const D = t.path;
const SOCK = join(D, 'log.sock');
const LOG = join(D, 'log.txt');
let sink: ReturnType<typeof Bun.spawn> | undefined;

beforeAll(() => {
  if (SKIP !== '') return;
  chmodSync(D, 0o755);
  mkdirSync(join(D, 'sec'));
  writeFileSync(join(D, 'sec/f'), 'secret\n');
  writeFileSync(join(D, 'sec/run'), '#!/bin/sh\nexit 0\n', { mode: 0o755 });
  symlinkSync('sec', join(D, 'link'));
  mkdirSync(join(D, 'open'));
  writeFileSync(join(D, 'open/ok'), 'fine\n');
  writeFileSync(LOG, '');
  sink = Bun.spawn(['python3', join(ROOT, 'tests/lib/syslog-sink.py'), SOCK, LOG], { stdio: ['ignore', 'ignore', 'inherit'] });
  if (!eventually(() => existsSync(SOCK))) throw new Error('the log sink did not start');
});

afterAll(() => {
  sink?.kill(9);
  t.cleanup();
});

interface Ran {
  readonly pid: number;
  readonly code: number;
  readonly stderr: string;
}

/** kiln with `args`, the test's log socket, and a name of its own; waits for it to exit. */
async function launch(name: string, args: readonly string[], env: Record<string, string> = { KILN_SYSLOG_SOCKET: SOCK }): Promise<Ran> {
  const p = Bun.spawn([KILN, '--quiet', '--noprofile', `--name=${name}`, `--blacklist=${D}/sec`, ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const code = await p.exited;
  return { pid: p.pid, code, stderr: await new Response(p.stderr).text() };
}

/** The supervisor's pid while it runs: `kiln --kiln-tracelog=3`, a child of kiln's process (later tini). */
const supervisorOf = (kiln: number) => run(['pgrep', '-P', String(kiln), '-f', '^/proc/self/exe --kiln-tracelog=3$']).stdout.trim();

/** This sandbox's lines in the log. */
function linesOf(name: string): string[] {
  return readFileSync(LOG, 'utf8').split('\n').filter((l) => l.includes(`, name ${name}`));
}

const sh = (script: string) => ['/bin/sh', '-c', script];
/** Opens, stats (through a symlink) and execs blacklisted paths; records each status; ends 0. */
const TOUCH_BLACKLISTED = sh(`cat ${D}/sec/f; echo $? > ${D}/$1.cat; stat ${D}/link/f; echo $? > ${D}/$1.stat; ${D}/sec/run; echo $? > ${D}/$1.exec; exit 0`);

describe.skipIf(SKIP !== '')('tracelog', () => {
  test('open, stat and exec of a blacklisted path are logged with the sandbox, the program and the path', async () => {
    const r = await launch('tl-hit', ['--tracelog', ...TOUCH_BLACKLISTED, 'sh', 'tl-hit']);
    expect(r.code).toBe(0);
    // The blacklist did its work (each call failed), with tracelog only watching.
    for (const what of ['cat', 'stat', 'exec']) expect(readFileSync(join(D, `tl-hit.${what}`), 'utf8').trim()).not.toBe('0');
    expect(eventually(() => supervisorOf(r.pid) === '')).toBe(true);
    const lines = linesOf('tl-hit');
    const want = (exe: string, call: RegExp, path: string) =>
      lines.some((l) => l.includes(`kiln[`) && l.includes(`blacklist violation - sandbox ${r.pid}, name tl-hit, exe ${exe}, pid `) && call.test(l) && l.includes(`path ${path}`));
    expect(want('cat', /syscall openat,/, `${D}/sec/f`)).toBe(true);
    // Through the symlink: the path kiln hid, and the name the program used.
    expect(want('stat', /syscall (statx|newfstatat|lstat|stat),/, `${D}/sec/f (named ${D}/link/f)`)).toBe(true);
    expect(want('sh', /syscall execve,/, `${D}/sec/run`)).toBe(true);
    // Every line is a syslog datagram at LOG_LOCAL1 | LOG_INFO.
    expect(lines.every((l) => l.startsWith('<142>'))).toBe(true);
  });

  // The machine's own configuration decides a profile's tracelog; the test needs it to be off (the default).
  const configOn = ['/etc/kiln/kiln.config', '/etc/firejail/firejail.config'].find(existsSync);
  const enabled = configOn !== undefined && /^\s*tracelog\s+yes\b/m.test(readFileSync(configOn, 'utf8'));
  test.skipIf(enabled)("a profile's tracelog needs `tracelog yes` in the global configuration, as in Firejail; --tracelog does not", async () => {
    const prof = join(D, 'tl.profile');
    writeFileSync(prof, 'tracelog\n');
    const start = async (name: string, extra: readonly string[]) => {
      const p = Bun.spawn([KILN, '--quiet', `--profile=${prof}`, `--name=${name}`, `--blacklist=${D}/sec`, ...extra, ...TOUCH_BLACKLISTED, 'sh', name], {
        env: { ...process.env, KILN_SYSLOG_SOCKET: SOCK },
        stdio: ['ignore', 'ignore', 'ignore'],
      });
      return { pid: p.pid, code: await p.exited };
    };
    const off = await start('tl-cfg-off', []);
    expect(off.code).toBe(0);
    expect(supervisorOf(off.pid)).toBe('');
    expect(linesOf('tl-cfg-off')).toEqual([]);
    // Control: the same profile with --tracelog on the command line logs.
    const on = await start('tl-cfg-on', ['--tracelog']);
    expect(on.code).toBe(0);
    expect(eventually(() => linesOf('tl-cfg-on').length > 0)).toBe(true);
  });

  test('without tracelog, the same program logs nothing', async () => {
    const r = await launch('tl-off', [...TOUCH_BLACKLISTED, 'sh', 'tl-off']);
    expect(r.code).toBe(0);
    expect(readFileSync(join(D, 'tl-off.cat'), 'utf8').trim()).not.toBe('0');
    expect(supervisorOf(r.pid)).toBe('');
    expect(linesOf('tl-off')).toEqual([]);
  });

  test('a program that touches no blacklisted path runs normally and logs nothing', async () => {
    const out = join(D, 'clean.out');
    const r = await launch('tl-clean', ['--tracelog', ...sh(`cat ${D}/open/ok > ${out} && ls ${D}/open > /dev/null && stat /etc/hostname > /dev/null && cd ${D}/open && cat ok >> ${out}`)]);
    expect(r.code).toBe(0);
    expect(readFileSync(out, 'utf8')).toBe('fine\nfine\n');
    expect(eventually(() => supervisorOf(r.pid) === '')).toBe(true);
    expect(linesOf('tl-clean')).toEqual([]);
  });

  test('10000 attempts in a loop: a bounded number of lines, and a count of the rest', async () => {
    const started = performance.now();
    const r = await launch('tl-loop', ['--tracelog', ...sh(`i=0; while [ $i -lt 10000 ]; do test -e ${D}/sec/f; i=$((i+1)); done`)]);
    const seconds = (performance.now() - started) / 1000;
    expect(r.code).toBe(0);
    // The count comes when the sandbox has ended (the supervisor's last line).
    expect(eventually(() => supervisorOf(r.pid) === '' && linesOf('tl-loop').some((l) => l.includes('more not logged')))).toBe(true);
    const lines = linesOf('tl-loop');
    const logged = lines.filter((l) => l.includes(`path ${D}/sec/f`)).length;
    const held = lines.flatMap((l) => /: (\d+) more not logged \(rate limit\)$/.exec(l)?.[1] ?? []).reduce((a, n) => a + Number(n), 0);
    // Nothing is lost from the count, and the bucket let through at most its burst and its rate.
    expect(logged + held).toBe(10000);
    expect(logged).toBeLessThanOrEqual(TRACELOG_BURST + Math.ceil(seconds * TRACELOG_PER_SECOND));
    expect(logged).toBeGreaterThanOrEqual(TRACELOG_BURST);
  });

  /** Whether a process is gone (or a zombie, which holds no fd). */
  const gone = (pid: string) => !existsSync(`/proc/${pid}`) || readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.startsWith('Z') === true;

  test('the supervisor runs beside the program, and is gone after SIGKILL of kiln', () => {
    const mark = join(D, 'running');
    const p = Bun.spawn([KILN, '--quiet', '--noprofile', '--tracelog', `--blacklist=${D}/sec`, ...sh(`touch ${mark}; exec sleep 60`)], { env: { ...process.env, KILN_SYSLOG_SOCKET: SOCK }, stdio: ['ignore', 'ignore', 'ignore'] });
    let supervisor = '';
    try {
      expect(eventually(() => existsSync(mark) && (supervisor = supervisorOf(p.pid)) !== '')).toBe(true);
      expect(gone(supervisor)).toBe(false);
    } finally {
      // kiln's pid is tini's by now; SIGKILL ends bwrap (--die-with-parent), the sandbox, and the listener.
      p.kill(9);
    }
    expect(eventually(() => gone(supervisor))).toBe(true);
  });

  test('SIGKILL of kiln at any step of the launch: no supervisor outlives its sandbox', async () => {
    const seen: string[] = [];
    for (let delay = 0; delay <= 60; delay += 4) {
      const p = Bun.spawn([KILN, '--quiet', '--noprofile', '--tracelog', `--blacklist=${D}/sec`, 'sleep', '0.5'], { env: { ...process.env, KILN_SYSLOG_SOCKET: SOCK }, stdio: ['ignore', 'ignore', 'ignore'] });
      await Bun.sleep(delay);
      const s = supervisorOf(p.pid);
      p.kill(9);
      await p.exited;
      if (s !== '') seen.push(s);
    }
    // One more kill once the supervisor is surely up, however loaded the machine is: the positive control
    // for the check below (on a busy machine, 60 ms may all fall before the supervisor starts).
    const p = Bun.spawn([KILN, '--quiet', '--noprofile', '--tracelog', `--blacklist=${D}/sec`, 'sleep', '2'], { env: { ...process.env, KILN_SYSLOG_SOCKET: SOCK }, stdio: ['ignore', 'ignore', 'ignore'] });
    let s = '';
    for (let i = 0; i < 250 && s === ''; i++) {
      await Bun.sleep(20);
      s = supervisorOf(p.pid);
    }
    p.kill(9);
    await p.exited;
    if (s !== '') seen.push(s);
    expect(seen.length).toBeGreaterThan(0);
    // NOTE: a kill in the instant before bwrap sets its parent-death signal leaves bwrap's sandbox running
    // (sleep 0.5 ends it); the supervisor then lives exactly as long as that sandbox.
    expect(eventually(() => seen.every(gone))).toBe(true);
  });

  test('a launch that fails after the supervisor started: it reads end of file and exits', async () => {
    // --cpu names a CPU this machine lacks: kiln's last step before the exec fails.
    const r = await launch('tl-early', ['--tracelog', '--debug', '--cpu=1023', 'true']);
    expect(r.code).not.toBe(0);
    const pid = /tracelog supervisor \(pid (\d+)\)/.exec(r.stderr)?.[1] ?? '';
    expect(pid).not.toBe('');
    expect(eventually(() => gone(pid))).toBe(true);
  });

  test('with no system log, the lines go to stderr rather than nowhere', async () => {
    const r = await launch('tl-nolog', ['--tracelog', ...sh(`cat ${D}/sec/f 2>/dev/null; exit 0`)], { KILN_SYSLOG_SOCKET: join(D, 'no-such.sock') });
    expect(r.code).toBe(0);
    expect(eventually(() => supervisorOf(r.pid) === '')).toBe(true);
    expect(r.stderr).toContain(`blacklist violation - sandbox ${r.pid}, name tl-nolog, exe cat`);
    expect(linesOf('tl-nolog')).toEqual([]);
  });
});
