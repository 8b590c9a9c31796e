/**
 * Commands on running sandboxes: --list, --tree, --top, --join*, join-or-start, --shutdown, the file
 * transfers and the print commands. Each test starts its own sandboxes (unique names, so that concurrent
 * runs and other sandboxes on the machine do not matter), judges them by what they do, and has a control.
 */
import { afterAll, describe, expect, test } from 'bun:test';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { IS_ROOT, KILN, STACK_FRAME, hasCommand, kiln, run, tempDir } from '../lib/run.ts';
import { OTHER_USER, asOther, isRunning, listJson, startSandbox, uniqueName, waitFor, type Running } from './manage-helpers.ts';

const started: Running[] = [];
async function sandbox(tag: string, extra: readonly string[] = [], program?: readonly string[]): Promise<Running> {
  const sb = await startSandbox(uniqueName(tag), extra, program);
  started.push(sb);
  return sb;
}
afterAll(async () => {
  await Promise.all(started.map((s) => s.stop()));
});

const LIST_LINE = /^(\d+):([^:]+):([^:]*):(.*)$/;

describe('--list and --tree', () => {
  test('--list prints PID:USER:NAME:COMMAND, and forgets the sandbox when it ends', async () => {
    const sb = await sandbox('list', ['--hostname=kl']);
    const line = kiln(['--list']).stdout.split('\n').find((l) => l.includes(`:${sb.name}:`));
    expect(line).toBeDefined();
    const [, pid, user, name, command] = LIST_LINE.exec(line ?? '') ?? [];
    expect(Number(pid)).toBe(sb.pid);
    expect(user).toBe(run(['id', '-un']).stdout.trim());
    expect(name).toBe(sb.name);
    expect(command).toBe(`kiln --quiet --noprofile --name=${sb.name} --hostname=kl sleep 120`);
    await sb.stop();
    expect(kiln(['--list']).stdout).not.toContain(`:${sb.name}:`); // control: gone with its sandbox
  });

  test('--list --json parses and carries the pids, owner and command', async () => {
    const sb = await sandbox('json');
    const r = kiln(['--list', '--json']);
    expect(r.code).toBe(0);
    const entry = (JSON.parse(r.stdout) as ReturnType<typeof listJson>).find((s) => s.name === sb.name);
    expect(entry).toMatchObject({ pid: sb.pid, pid1: sb.pid1, uid: process.getuid?.(), program: ['/usr/bin/sleep', '120'], cwd: '/tmp' });
    expect(Number.isNaN(Date.parse(entry?.started ?? ''))).toBe(false);
    expect(kiln(['--json']).code).toBe(1); // --json alone is a usage error
  });

  test('--tree shows the anchor, bwrap below it, and the program below that', async () => {
    const sb = await sandbox('tree');
    const lines = kiln(['--tree']).stdout.split('\n');
    const at = lines.findIndex((l) => l.startsWith(`${sb.pid}:`));
    expect(at).toBeGreaterThanOrEqual(0);
    // tini at the anchor's pid, bwrap's monitor below it, the sandbox's pid 1 below that
    expect(lines[at + 1]).toMatch(/^  \d+:[^:]+::\/usr\/bin\/bwrap /);
    expect(lines[at + 2]).toMatch(new RegExp(`^    ${sb.pid1}:[^:]+::/usr/bin/bwrap `));
    expect(lines[at + 3]).toMatch(/^ {6}\d+:[^:]+::\/usr\/bin\/sleep 120$/);
    const json = JSON.parse(kiln(['--tree', '--json']).stdout) as { name: string; processes: { pid: number; children: { pid: number; children: { pid: number }[] }[] } }[];
    expect(json.find((t) => t.name === sb.name)?.processes.children[0]?.children[0]?.pid).toBe(sb.pid1);
  });

  const firejailWorks = hasCommand('firejail') && run(['firejail', '--quiet', '--noprofile', 'true']).code === 0;
  test.skipIf(!firejailWorks)('--list and --tree lines have the shape of firejail --list and --tree for the same command line', async () => {
    const name = uniqueName('fjcmp');
    const fj = Bun.spawn(['firejail', '--quiet', '--noprofile', `--name=${name}`, 'sleep', '120'], { cwd: '/tmp', stdout: 'ignore', stderr: 'ignore' });
    try {
      const fjLine = await waitFor('firejail --list', () => run(['firejail', '--list']).stdout.split('\n').find((l) => l.includes(`:${name}:`)));
      const sb = await sandbox('fjcmp', [], ['sleep', '120']);
      const kLine = kiln(['--list']).stdout.split('\n').find((l) => l.includes(`:${sb.name}:`)) ?? '';
      // Identical but for the pid, the launcher's name and the sandbox name (and Firejail's trailing blank).
      const norm = (l: string, launcher: string, n: string) => l.trimEnd().replace(/^\d+:/, 'PID:').replace(`${launcher} `, 'LAUNCHER ').replaceAll(n, 'NAME');
      expect(norm(kLine, 'kiln', sb.name)).toBe(norm(fjLine, 'firejail', name));
      const fjTree = run(['firejail', '--tree']).stdout.split('\n');
      const kTree = kiln(['--tree']).stdout.split('\n');
      const shape = (lines: string[], pid: string) => {
        const i = lines.findIndex((l) => l.startsWith(`${pid}:`));
        return lines.slice(i, i + 3).map((l) => l.replace(/^( *)\d+:[^:]+:([^:]*):.*$/, '$1PID:USER:$2:CMD').replace(/:[^:]+:CMD$/, ':NAME:CMD'));
      };
      expect(shape(kTree, String(sb.pid))).toEqual(shape(fjTree, fjLine.split(':')[0] ?? ''));
    } finally {
      fj.kill('SIGKILL');
      run(['firejail', '--shutdown=' + name]);
    }
  });
});

describe('--join', () => {
  test("a joined shell sees the sandbox's hostname and processes", async () => {
    const sb = await sandbox('join', ['--hostname=kiln-joined']);
    const r = kiln(['--join=' + sb.name, 'sh', '-c', 'hostname; for p in /proc/[0-9]*; do tr "\\0" " " < $p/cmdline; echo; done']);
    expect(r.code).toBe(0);
    const [host, ...procs] = r.stdout.trim().split('\n');
    expect(host).toBe('kiln-joined');
    expect(hostname()).not.toBe('kiln-joined'); // control
    expect(procs).toContain('/usr/bin/sleep 120 ');
    expect(procs.length).toBeLessThan(10); // the sandbox's few processes, not the host's
    expect(readdirSync('/proc').filter((n) => /^\d+$/.test(n)).length).toBeGreaterThan(procs.length); // control
  });

  test('a pid names the sandbox too, the exit status comes back, and no program means a shell', async () => {
    const sb = await sandbox('joinpid', ['--hostname=kjp']);
    expect(kiln([`--join=${sb.pid}`, 'sh', '-c', 'exit 7']).code).toBe(7);
    expect(kiln([`--join=${sb.pid1}`, 'hostname']).stdout.trim()).toBe('kjp');
    expect(kiln([`--join=${sb.name}`], { stdin: 'hostname\n', env: { SHELL: '/bin/sh' } }).stdout.trim()).toBe('kjp');
    expect(kiln(['--join=' + sb.name, 'kiln-no-such-program']).code).toBe(127);
  });

  test("the joined process gets the sandbox's seccomp filter and no_new_privs", async () => {
    const d = tempDir();
    try {
      const strict = await sandbox('joinsec', ['--seccomp.drop=mkdir,mkdirat']);
      const plain = await sandbox('joinplain');
      const probe = (name: string, dir: string) => kiln(['--join=' + name, 'sh', '-c', `mkdir ${dir} && grep -E '^(NoNewPrivs|Seccomp):' /proc/self/status`]);
      expect(probe(strict.name, join(d.path, 'a')).code).not.toBe(0);
      expect(existsSync(join(d.path, 'a'))).toBe(false);
      const ok = probe(plain.name, join(d.path, 'b')); // control: the same command in a sandbox without that rule
      expect(ok.code).toBe(0);
      expect(ok.stdout).toBe('NoNewPrivs:\t1\nSeccomp:\t2\n');
    } finally {
      d.cleanup();
    }
  });

  test.skipIf(!IS_ROOT)("root: the joined process keeps only the sandbox's capabilities", async () => {
    const dropped = await sandbox('joincaps', ['--caps.drop=all']);
    const kept = await sandbox('joincapsctl');
    const caps = (name: string) => kiln(['--join=' + name, 'grep', '-E', '^Cap(Eff|Bnd):', '/proc/self/status']).stdout;
    expect(caps(dropped.name)).toBe('CapEff:\t0000000000000000\nCapBnd:\t0000000000000000\n');
    expect(caps(kept.name)).not.toContain('CapEff:\t0000000000000000'); // control
  });

  test.skipIf(IS_ROOT)('unprivileged: the joined process has no capabilities', async () => {
    const sb = await sandbox('joinucaps');
    expect(kiln(['--join=' + sb.name, 'grep', '^CapEff:', '/proc/self/status']).stdout).toBe('CapEff:\t0000000000000000\n');
  });

  test("a sandbox with an init stage is joined in its program's mount namespace", async () => {
    // --noexec=/tmp is applied by kiln's init stage in a mount namespace of its own, below bwrap's.
    const sb = await sandbox('joininit', ['--noexec=/tmp']);
    const noexec = (r: ReturnType<typeof kiln>) => r.stdout.split('\n').some((l) => / \/tmp .*noexec/.test(l));
    expect(noexec(kiln(['--join=' + sb.name, 'cat', '/proc/self/mounts']))).toBe(true);
    const plain = await sandbox('joininitctl');
    expect(noexec(kiln(['--join=' + plain.name, 'cat', '/proc/self/mounts']))).toBe(false); // control
  });

  test("--join-filesystem sees the sandbox's files; --join-network its network", async () => {
    const marker = `/tmp/kiln-marker-${process.pid}`;
    const sb = await sandbox('joinfs', ['--private-tmp', '--net=none'], ['sh', '-c', `echo inside > ${marker}; exec sleep 120`]);
    await waitFor('the marker', () => (kiln(['--join-filesystem=' + sb.name, 'cat', marker]).stdout === 'inside\n' ? true : undefined));
    expect(existsSync(marker)).toBe(false); // control: the host's /tmp does not have it
    const ifaces = (r: ReturnType<typeof run>) => r.stdout.split('\n').slice(2).map((l) => l.split(':')[0]?.trim()).filter((n) => n !== '');
    expect(ifaces(kiln(['--join-network=' + sb.name, 'cat', '/proc/net/dev']))).toEqual(['lo']);
    const shared = await sandbox('joinnet');
    const r = kiln(['--join-network=' + shared.name, 'true']);
    expect(r.code).toBe(1); // no network namespace of its own
    expect(r.stderr).toContain("shares the host's network namespace");
  });

  // NOTE: root may search any directory, so under root the joiner is the other test user, kept out of a
  // directory only root may enter; an unprivileged run shuts itself out of a mode 0000 directory.
  test.skipIf(IS_ROOT && OTHER_USER === undefined)('a PATH entry the joiner cannot search is skipped, as execvp skips it', async () => {
    const d = tempDir();
    const locked = join(d.path, 'locked');
    mkdirSync(locked, { mode: 0o000 });
    const withPath = (path: string, argv: readonly string[]) => (IS_ROOT ? asOther(['env', `PATH=${path}`, ...argv]) : ['env', `PATH=${path}`, ...argv]);
    const hostile = `${locked}:/usr/bin:/bin`;
    try {
      expect(run(withPath('/usr/bin:/bin', ['ls', locked])).code).not.toBe(0); // control: it really is closed
      const sb = await startSandbox(uniqueName('joinpath'), [], ['sleep', '120'], { asOtherUser: IS_ROOT });
      started.push(sb);
      const joined = run(withPath(hostile, [KILN, `--join=${sb.name}`, 'sh', '-c', 'exit 7']), { cwd: '/tmp' });
      expect(joined.stderr).not.toMatch(STACK_FRAME);
      expect(joined.code).toBe(7); // the program ran: found past the closed directory
      expect(run(withPath(hostile, [KILN, `--join=${sb.name}`, 'kiln-no-such-program']), { cwd: '/tmp' }).code).toBe(127);
      expect(run(withPath(hostile, [KILN, '--quiet', '--noprofile', 'sh', '-c', 'exit 5']), { cwd: '/tmp' }).code).toBe(5);
    } finally {
      chmodSync(locked, 0o700); // its owner may remove it again
      d.cleanup();
    }
  });

  /** `Max open files` and `Max address space` of /proc/self/limits: [soft, hard]. */
  const limitsOf = (text: string, what: string) => new RegExp(`^${what} +(\\S+) +(\\S+)`, 'm').exec(text)?.slice(1, 3);

  test("the joined process gets the sandbox's resource limits, nice value and CPU affinity", async () => {
    // rlimit-as below what Bun holds: the init stage must set it last, or it could not go on.
    const ownNice = Number(run(['nice']).stdout.trim());
    const nice = Math.min(ownNice + 3, 19); // a lower nice value than the joiner's own is not the joiner's to take
    const limited = await sandbox('joinlim', ['--rlimit-nofile=64', '--rlimit-as=800000000', `--nice=${nice}`, '--cpu=0']);
    const plain = await sandbox('joinlimctl');
    const probe = 'cat /proc/self/limits; echo "nice $(nice)"; grep Cpus_allowed_list /proc/self/status';
    const r = kiln([`--join=${limited.name}`, 'sh', '-c', probe]);
    expect(r.code).toBe(0);
    expect(limitsOf(r.stdout, 'Max open files')).toEqual(['64', '64']);
    expect(limitsOf(r.stdout, 'Max address space')).toEqual(['800000000', '800000000']);
    expect(r.stdout).toContain(`nice ${nice}\n`);
    expect(r.stdout).toMatch(/^Cpus_allowed_list:\s+0$/m);
    // control: a join into a sandbox without them has the joiner's own
    const c = kiln([`--join=${plain.name}`, 'sh', '-c', probe]);
    expect(c.code).toBe(0);
    const own = readFileSync('/proc/self/limits', 'utf8');
    expect(limitsOf(c.stdout, 'Max open files')).toEqual(limitsOf(own, 'Max open files'));
    expect(limitsOf(c.stdout, 'Max address space')).toEqual(limitsOf(own, 'Max address space'));
    expect(c.stdout).toContain(`nice ${ownNice}\n`);
  });

  test("the joined process gets the sandbox's env, rmenv and the variables of the sockets it cut off", async () => {
    const changed = await sandbox('joinenv', ['--env=FOO=bar', '--rmenv=HOME', '--x11=none']);
    const plain = await sandbox('joinenvctl');
    const probe = ['sh', '-c', 'echo "${FOO-unset} ${HOME-unset} ${DISPLAY-unset}"'];
    // NOTE: the joiner's own HOME: an unprivileged joiner without a runtime directory finds its registry there.
    const env = { DISPLAY: ':77' };
    expect(kiln([`--join=${changed.name}`, ...probe], { env }).stdout).toBe('bar unset unset\n');
    expect(kiln([`--join=${plain.name}`, ...probe], { env }).stdout).toBe(`unset ${process.env['HOME']} :77\n`); // control
  });

  test.skipIf(!hasCommand('python3'))('a join into an x11 none sandbox cannot reach the host\'s abstract unix sockets', async () => {
    const socket = `kiln-join-probe-${process.pid}`;
    const server = Bun.spawn(['python3', '-c', `import socket,time; s=socket.socket(socket.AF_UNIX); s.bind("\\0${socket}"); s.listen(8); time.sleep(60)`]);
    try {
      const connect = ['python3', '-c', `import socket; s=socket.socket(socket.AF_UNIX); s.connect("\\0${socket}")`];
      const cut = await sandbox('joinx11', ['--x11=none']);
      const plain = await sandbox('joinx11ctl');
      await waitFor('the probe socket', () => (run(connect).code === 0 ? true : undefined));
      expect(kiln([`--join=${plain.name}`, ...connect]).code).toBe(0); // control: the same join without it connects
      expect(kiln([`--join=${cut.name}`, ...connect]).code).not.toBe(0);
      expect(kiln([`--join=${cut.name}`, 'true']).code).toBe(0); // and the join itself works
    } finally {
      server.kill();
    }
  });

  test("an unknown sandbox is a usage error naming the option, in Firejail's words too", () => {
    const r = kiln(['--join=kiln-no-such-sandbox', 'true']);
    expect(r.code).toBe(1);
    // Scripts written for Firejail look for "cannot find sandbox NAME".
    expect(r.stderr).toContain('--join=kiln-no-such-sandbox: cannot find sandbox kiln-no-such-sandbox');
  });
});

describe('join-or-start', () => {
  test('starts a sandbox of that name when none runs, joins it when one does', async () => {
    const name = uniqueName('jos');
    const first = Bun.spawn([KILN, '--quiet', '--noprofile', `--join-or-start=${name}`, '--hostname=kiln-jos', 'sleep', '120'], { cwd: '/tmp', stdout: 'ignore' });
    try {
      const listed = await waitFor('the started sandbox', () => listJson().find((s) => s.name === name && s.pid1 !== undefined));
      const second = kiln(['--quiet', '--noprofile', `--join-or-start=${name}`, 'hostname']);
      expect(second.stdout.trim()).toBe('kiln-jos');
      expect(listJson().filter((s) => s.name === name).map((s) => s.pid)).toEqual([listed.pid]); // joined, not started
      // control: an unused name starts a fresh sandbox (with the host's hostname) for the command
      expect(kiln(['--quiet', '--noprofile', `--join-or-start=${uniqueName('jos')}`, 'hostname']).stdout.trim()).toBe(hostname());
    } finally {
      first.kill('SIGKILL');
      await first.exited;
    }
  });
});

describe('--shutdown', () => {
  test('ends a sandbox whose program ends on SIGTERM', async () => {
    const sb = await sandbox('shut', [], ['sleep', '120']);
    await Bun.sleep(300);
    expect(isRunning(sb.pid)).toBe(true); // control: it does not end by itself
    const r = kiln(['--quiet', '--shutdown=' + sb.name]);
    expect(r.code).toBe(0);
    expect(isRunning(sb.pid1)).toBe(false);
    expect(await sb.proc.exited).toBe(143);
    expect(listJson().some((s) => s.name === sb.name)).toBe(false);
  });

  /** A shell program in DIR ($1) that writes DIR/ready once its SIGTERM handler is set. */
  async function shutdownWith(tag: string, handler: string, dir: string): Promise<{ sb: Running; code: number }> {
    const script = `trap '${handler}' TERM; touch "$1/ready"; while :; do sleep 1; done`;
    const sb = await sandbox(tag, [], ['sh', '-c', script, 'sh', dir]);
    await waitFor('the handler to be set', () => (existsSync(join(dir, 'ready')) ? true : undefined));
    return { sb, code: kiln(['--quiet', '--shutdown=' + sb.name]).code };
  }

  test("a SIGTERM handler gets its time: what it writes 3 s later is there when --shutdown returns", async () => {
    const d = tempDir();
    try {
      const { sb, code } = await shutdownWith('shut-slow', 'sleep 3; touch "$1/done"; exit 0', d.path);
      expect(code).toBe(0);
      expect(existsSync(join(d.path, 'done'))).toBe(true);
      expect(isRunning(sb.pid1)).toBe(false);
      // The program ended by itself (exit 0), not by SIGKILL.
      expect(await sb.proc.exited).toBe(0);
      expect(listJson().some((s) => s.name === sb.name)).toBe(false);
    } finally {
      d.cleanup();
    }
  });

  test('a program that ignores SIGTERM outlives it for the grace period, then is killed', async () => {
    const d = tempDir();
    try {
      // It takes the SIGTERM, survives three seconds past it, and then ignores every further one.
      const { sb, code } = await shutdownWith('shut-stubborn', 'touch "$1/term"; sleep 3; touch "$1/survived"; trap "" TERM', d.path);
      expect(code).toBe(0);
      expect(existsSync(join(d.path, 'term'))).toBe(true);
      expect(existsSync(join(d.path, 'survived'))).toBe(true);
      expect(isRunning(sb.pid1)).toBe(false);
      expect(await sb.proc.exited).toBe(128 + 9);
      expect(listJson().some((s) => s.name === sb.name)).toBe(false);
    } finally {
      d.cleanup();
    }
  });
});

describe('file transfer', () => {
  test('--put, --ls and --get reach the sandbox\'s own files, not the host\'s', async () => {
    const sb = await sandbox('xfer', ['--private-tmp']);
    const d = tempDir();
    const cwd = mkdtempSync(join(tmpdir(), 'kiln-get-'));
    try {
      writeFileSync(join(d.path, 'src.txt'), 'payload\n');
      const dest = `/tmp/kiln-put-${process.pid}.txt`;
      expect(kiln([`--put=${sb.name}`, join(d.path, 'src.txt'), dest]).code).toBe(0);
      expect(existsSync(dest)).toBe(false); // control: the host's /tmp is not the sandbox's
      const ls = kiln([`--ls=${sb.name}`, '/tmp']);
      expect(ls.stdout).toMatch(new RegExp(`^-rw------- \\S+ +\\S+ +8 kiln-put-${process.pid}\\.txt$`, 'm'));
      expect(ls.stdout.split('\n')[0]).toMatch(/^drwxrwxrwt .* \.$/);
      expect(kiln([`--get=${sb.name}`, dest], { cwd }).code).toBe(0);
      expect(readFileSync(join(cwd, `kiln-put-${process.pid}.txt`), 'utf8')).toBe('payload\n');
      // A failed --get leaves nothing behind; a directory is not a file.
      expect(kiln([`--get=${sb.name}`, '/tmp/kiln-no-such-file'], { cwd }).code).toBe(1);
      expect(kiln([`--get=${sb.name}`, '/tmp'], { cwd }).stderr).toContain('is not a regular file');
      expect(readdirSync(cwd)).toEqual([`kiln-put-${process.pid}.txt`]);
    } finally {
      d.cleanup();
      rmSync(cwd, { recursive: true, force: true });
    }
  });

  const firejailWorks = hasCommand('firejail') && run(['firejail', '--quiet', '--noprofile', 'true']).code === 0;
  test.skipIf(!firejailWorks)('--ls prints what firejail --ls prints for the same directory', async () => {
    const d = tempDir();
    const name = uniqueName('fjls');
    const fj = Bun.spawn(['firejail', '--quiet', '--noprofile', `--name=${name}`, 'sleep', '120'], { cwd: '/tmp', stdout: 'ignore', stderr: 'ignore' });
    try {
      // NOTE: not directly in /tmp, whose sticky bit kiln shows as ls does ('t') and Firejail does not.
      const dir = join(d.path, 'listed');
      run(['mkdir', dir, join(dir, 'sub')]);
      writeFileSync(join(dir, 'small'), 'x');
      writeFileSync(join(dir, 'larger'), 'y'.repeat(123456));
      run(['ln', '-s', 'small', join(dir, 'link')]);
      await waitFor('firejail sandbox', () => (run(['firejail', '--list']).stdout.includes(`:${name}:`) ? true : undefined));
      const sb = await sandbox('kls');
      const fjOut = run(['firejail', `--ls=${name}`, dir]).stdout;
      expect(fjOut.split('\n')).toHaveLength(7); // ., .., larger, link, small, sub, and after the last newline
      expect(kiln([`--ls=${sb.name}`, dir]).stdout).toBe(fjOut);
    } finally {
      fj.kill('SIGKILL');
      d.cleanup();
    }
  });
});

describe('print commands', () => {
  test('--seccomp.print shows the filter the sandbox loaded', async () => {
    const strict = await sandbox('secprint', ['--seccomp.drop=mkdirat']);
    const plain = await sandbox('secprintctl');
    const listing = kiln(['--seccomp.print=' + strict.name]).stdout;
    expect(listing.split('\n').slice(0, 3)).toEqual([' line  OP JT JF    K', '=================================', expect.stringMatching(/^ 0000: 20 00 00 00000004 +ld +data.architecture$/)]);
    expect(listing).toMatch(/ j(eq|ge) mkdirat /); // the rule's edge in the decision tree
    expect(kiln(['--seccomp.print=' + plain.name]).stdout).not.toMatch(/mkdirat/); // control
  });

  test('--caps.print lists every capability, enabled or not, as Firejail does', async () => {
    const sb = await sandbox('capprint', ['--caps.keep=chown,net_raw']);
    const lines = kiln(['--caps.print=' + sb.name]).stdout.split('\n');
    const lastCap = Number(readFileSync('/proc/sys/kernel/cap_last_cap', 'utf8'));
    expect(lines).toHaveLength(lastCap + 2);
    // Unprivileged sandboxes keep no capabilities whatever the profile says.
    expect(lines[0]).toBe(`chown               - ${IS_ROOT ? 'enabled' : 'disabled'}`);
    expect(lines[13]).toBe(`net_raw             - ${IS_ROOT ? 'enabled' : 'disabled'}`);
    expect(lines[21]).toBe('sys_admin           - disabled');
  });

  test('--protocol.print and --profile.print', async () => {
    const d = tempDir();
    try {
      const profile = join(d.path, 'mine.profile');
      writeFileSync(profile, 'protocol unix,inet\n');
      const sb = await startSandbox(uniqueName('protoprint'), [], ['sleep', '120'], { profile });
      started.push(sb);
      const name = sb.name;
      expect(kiln(['--protocol.print=' + name]).stdout).toBe('unix,inet\n');
      expect(kiln(['--profile.print=' + name]).stdout).toBe(`${profile}\n`);
      const plain = await sandbox('protoprintctl');
      expect(kiln(['--protocol.print=' + plain.name]).stdout).toBe(''); // control: no filter, nothing to print
      const noProfile = kiln(['--profile.print=' + plain.name]);
      expect(noProfile.code).toBe(1);
      expect(noProfile.stderr).toContain('runs without a profile');
    } finally {
      d.cleanup();
    }
  });
});

describe('--top', () => {
  test('shows the sandbox with its figures and ends on q', async () => {
    const sb = await sandbox('top');
    const top = Bun.spawn([KILN, '--top'], { stdin: 'pipe', stdout: 'pipe' });
    let out = '';
    const reader = (async () => {
      for await (const chunk of top.stdout) out += new TextDecoder().decode(chunk);
    })();
    await waitFor('two frames', () => (out.split('PID').length > 2 ? true : undefined), 10_000);
    top.stdin.write('q');
    await top.stdin.flush();
    expect(await top.exited).toBe(0);
    await reader;
    const row = out.split('\n').find((l) => l.includes(`${sb.name}: `)) ?? '';
    // PID, user, RES, SHR, CPU%, processes (tini, bwrap, bwrap, sleep), uptime, command
    expect(row).toMatch(new RegExp(`^ *${sb.pid} +\\S+ +\\d+ +\\d+ +(-|\\d+\\.\\d) +4 +\\d\\d:\\d\\d:\\d\\d ${sb.name}: kiln `));
  });
});

describe('debug tables', () => {
  const firejail = hasCommand('firejail');
  test.skipIf(!firejail)('--debug-protocols and --debug-caps print what Firejail prints', () => {
    for (const option of ['--debug-protocols', '--debug-caps']) expect(kiln([option]).stdout).toBe(run(['firejail', option]).stdout);
  });

  test.skipIf(!firejail)('--debug-syscalls, --debug-syscalls32 and --debug-errnos hold every line Firejail prints', () => {
    for (const option of ['--debug-syscalls', '--debug-syscalls32', '--debug-errnos']) {
      const ours = new Set(kiln([option]).stdout.split('\n'));
      const missing = run(['firejail', option]).stdout.split('\n').filter((l) => l !== '' && !ours.has(l));
      expect({ option, missing }).toEqual({ option, missing: [] });
    }
  });
});
