/**
 * The launch core: exit status, identity, fds, namespaces, lifetime. Every negative check has a positive
 * control that runs the same action without kiln (or without the restriction).
 */
import { describe, expect, test } from 'bun:test';
import { existsSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { IS_ROOT, KILN, hasCommand, hostSh, kiln, run, sandboxSh, tempDir } from '../lib/run.ts';

describe('exit status', () => {
  test('the program exit code is propagated', () => {
    for (const code of [0, 1, 7, 42, 255]) expect(sandboxSh(`exit ${code}`).code).toBe(code);
  });

  test('death by signal becomes 128+signal', () => {
    expect(sandboxSh('kill -KILL $$').code).toBe(137);
    expect(sandboxSh('kill -TERM $$').code).toBe(143);
    expect(sandboxSh('kill -SEGV $$').code).toBe(139);
  });
});

describe('the command line', () => {
  test('--version and --help exit 0', () => {
    expect(kiln(['--version']).code).toBe(0);
    const help = kiln(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Usage: kiln');
  });

  test('an unknown option exits 1 and starts nothing', () => {
    const d = tempDir();
    try {
      const marker = join(d.path, 'ran');
      const r = kiln(['--frobnicate', '--noprofile', 'touch', marker]);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain("unknown option '--frobnicate'");
      expect(existsSync(marker)).toBe(false);
      // control: the same command without the bad option runs
      expect(kiln(['--quiet', '--noprofile', 'touch', marker]).code).toBe(0);
      expect(existsSync(marker)).toBe(true);
    } finally {
      d.cleanup();
    }
  });

  test('a misspelt option gets a suggestion', () => {
    const r = kiln(['--privte-dev', '--noprofile', 'true']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("did you mean '--private-dev'");
  });

  test('a missing program exits 127', () => {
    expect(kiln(['--quiet', '--noprofile', 'kiln-no-such-program-xyz']).code).toBe(127);
    expect(kiln(['--quiet', '--noprofile', '/nonexistent/prog']).code).toBe(127);
  });

  test('without a program, kiln runs the shell', () => {
    const r = kiln(['--quiet', '--noprofile'], { stdin: 'echo from-shell; exit 5\n', env: { SHELL: '/bin/sh' } });
    expect(r.code).toBe(5);
    expect(r.stdout).toContain('from-shell');
  });

  test('informational lines appear, and --quiet silences them', () => {
    expect(kiln(['--noprofile', 'true']).stderr).toContain('Child process initialized in');
    expect(kiln(['--quiet', '--noprofile', 'true']).stderr).toBe('');
  });

  test('--debug prints the bwrap options and runs the program', () => {
    const r = kiln(['--quiet', '--debug', '--noprofile', '/bin/sh', '-c', 'exit 4']);
    expect(r.code).toBe(4);
    expect(r.stderr).toContain('--unshare-pid');
  });

  test('kiln ignores .env and bunfig.toml in the working directory', () => {
    // A Bun executable would by default load both from its cwd: environment from .env, and preload
    // scripts from bunfig.toml, which would run code in kiln (as root, if root runs kiln there).
    const d = tempDir();
    try {
      const marker = join(d.path, 'preload-ran');
      writeFileSync(join(d.path, '.env'), 'KILN_BWRAP=/nonexistent\nKILN_DOTENV_PROBE=loaded\n');
      writeFileSync(join(d.path, 'bunfig.toml'), 'preload = ["./evil.ts"]\n');
      writeFileSync(join(d.path, 'evil.ts'), `require("fs").writeFileSync(${JSON.stringify(marker)}, "x");\n`);
      const r = kiln(['--quiet', '--noprofile', '/bin/sh', '-c', 'echo "${KILN_DOTENV_PROBE-unset}"'], { cwd: d.path });
      expect(r.code).toBe(0);
      expect(r.stdout).toBe('unset\n');
      expect(existsSync(marker)).toBe(false);
    } finally {
      d.cleanup();
    }
  });

  test('a missing bwrap is reported with the package to install', () => {
    const r = kiln(['--quiet', '--noprofile', 'true'], { env: { KILN_BWRAP: '/nonexistent/bwrap' } });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('bubblewrap');
  });
});

describe('identity and environment', () => {
  test('same uid, gid, working directory and environment as the caller', () => {
    const d = tempDir();
    try {
      const script = 'echo "$(id -u) $(id -g) $(pwd) $KILN_TEST_MARK"';
      const opts = { cwd: d.path, env: { KILN_TEST_MARK: 'mark 123' } };
      const inside = sandboxSh(script, [], opts);
      const outside = hostSh(script, opts);
      expect(inside.code).toBe(0);
      expect(inside.stdout).toBe(outside.stdout);
    } finally {
      d.cleanup();
    }
  });

  test('stdin and stdout pass through', () => {
    const r = kiln(['--quiet', '--noprofile', 'cat'], { stdin: 'hello through the sandbox\n' });
    expect(r.stdout).toBe('hello through the sandbox\n');
  });

  test('--env and --rmenv change the environment', () => {
    const r = sandboxSh('echo "$A|${KILN_GONE-unset}"', ['--env=A=b c', '--rmenv=KILN_GONE'], { env: { KILN_GONE: 'x' } });
    expect(r.stdout).toBe('b c|unset\n');
  });
});

describe('file descriptors', () => {
  // The shell lists its own fds through /proc/$$/fd; ls's own directory fd belongs to ls, not $$.
  // No pipeline: the shell would hold a pipe end of its own while ls looks.
  const listFds = 'ls /proc/$$/fd';
  const fds = (out: string) => out.trim().split(/\s+/).map(Number).sort((a, b) => a - b).join(' ');

  test('only 0, 1 and 2 reach the program', () => {
    const inside = run(['/bin/sh', '-c', `exec 5</dev/null 7>/dev/null; exec "$0" --quiet --noprofile /bin/sh -c '${listFds}'`, KILN]);
    expect(inside.code).toBe(0);
    expect(fds(inside.stdout)).toBe('0 1 2');
    // control: the same fds do reach a program started without kiln
    const outside = run(['/bin/sh', '-c', `exec 5</dev/null 7>/dev/null; /bin/sh -c '${listFds}'`]);
    expect(fds(outside.stdout)).toBe('0 1 2 5 7');
  });
});

describe('namespaces', () => {
  test('new pid namespace: the program cannot see host processes', () => {
    const inside = sandboxSh('ls /proc | grep -c "^[0-9]"');
    expect(Number(inside.stdout)).toBeLessThanOrEqual(4);
    const outside = hostSh('ls /proc | grep -c "^[0-9]"');
    expect(Number(outside.stdout)).toBeGreaterThan(10);
  });

  test('new mount namespace: a mount inside is not seen outside', () => {
    const a = readlinkSync('/proc/self/ns/mnt');
    const r = sandboxSh('readlink /proc/self/ns/mnt');
    expect(r.stdout.trim()).not.toBe(a);
    expect(hostSh('readlink /proc/self/ns/mnt').stdout.trim()).toBe(a);
  });

  test('user namespace exactly when unprivileged', () => {
    const hostUserns = readlinkSync('/proc/self/ns/user');
    const r = sandboxSh('readlink /proc/self/ns/user');
    if (IS_ROOT) expect(r.stdout.trim()).toBe(hostUserns);
    else expect(r.stdout.trim()).not.toBe(hostUserns);
  });

  test('ipc, uts and net namespaces only when asked for', () => {
    for (const [ns, option] of [
      ['ipc', '--ipc-namespace'],
      ['uts', '--hostname=kilnbox'],
      ['net', '--net=none'],
    ] as const) {
      const host = readlinkSync(`/proc/self/ns/${ns}`);
      expect(sandboxSh(`readlink /proc/self/ns/${ns}`).stdout.trim()).toBe(host);
      expect(sandboxSh(`readlink /proc/self/ns/${ns}`, [option]).stdout.trim()).not.toBe(host);
    }
    expect(sandboxSh('hostname', ['--hostname=kilnbox']).stdout.trim()).toBe('kilnbox');
  });
});

describe('root sandboxes', () => {
  test.skipIf(!IS_ROOT)('/proc/sys is read-only for root inside, writable in plain bwrap', () => {
    const write = 'echo 5 > /proc/sys/kernel/ns_last_pid';
    expect(sandboxSh(write).code).not.toBe(0);
    const control = run(['bwrap', '--bind', '/', '/', '--proc', '/proc', '--unshare-pid', '/bin/sh', '-c', write]);
    expect(control.code).toBe(0);
  });

  test.skipIf(!IS_ROOT)('root keeps its capabilities unless the policy drops them', () => {
    const cap = (extra: string[]) => sandboxSh('grep -E "^(CapEff|CapBnd)" /proc/self/status', extra).stdout;
    expect(cap([])).not.toContain('0000000000000000');
    expect(cap(['--caps.drop=all'])).toContain('CapEff:\t0000000000000000\n');
  });

  // bwrap leaves root's bounding set alone; kiln's init stage has to drop it (issue 5).
  test.skipIf(!IS_ROOT)('caps.drop=sys_admin stops root from mounting; the same mount works without it', () => {
    const mount = 'mount -t tmpfs kilntest /mnt';
    expect(sandboxSh(mount).code).toBe(0);
    expect(sandboxSh(mount, ['--caps.drop=sys_admin']).code).not.toBe(0);
    expect(sandboxSh(mount, ['--caps']).code).not.toBe(0);
    expect(sandboxSh(mount, ['--caps.keep=sys_admin']).code).toBe(0);
  });

  test.skipIf(!IS_ROOT)('a dropped capability is gone from every set, also for one the host lacks', () => {
    // bit 21 is sys_admin; naming a capability kiln does not hold must not make bwrap keep everything
    const sets = sandboxSh('grep -E "^Cap(Inh|Prm|Eff|Bnd)" /proc/self/status', ['--caps.drop=sys_admin,sys_resource']).stdout;
    for (const line of sets.trim().split('\n')) {
      const mask = BigInt(`0x${line.split('\t')[1]}`);
      expect((mask >> 21n) & 1n).toBe(0n);
      expect((mask >> 24n) & 1n).toBe(0n);
    }
  });

  test.skipIf(!IS_ROOT)("caps.drop=all empties the bounding set for root too", () => {
    const r = sandboxSh("grep -E \"^CapBnd\" /proc/self/status", ["--caps.drop=all"]);
    expect(r.stdout).toBe("CapBnd:\t0000000000000000\n");
  });
});

describe('lifetime', () => {
  test('background processes die with the sandbox', async () => {
    const d = tempDir();
    try {
      const script = '(sleep 1; touch "$0/leftover") & exit 0';
      expect(kiln(['--quiet', '--noprofile', '/bin/sh', '-c', script, d.path]).code).toBe(0);
      // control: without kiln the background job outlives its parent
      expect(run(['/bin/sh', '-c', script.replace('leftover', 'control'), d.path]).code).toBe(0);
      await Bun.sleep(2000);
      expect(existsSync(join(d.path, 'control'))).toBe(true);
      expect(existsSync(join(d.path, 'leftover'))).toBe(false);
    } finally {
      d.cleanup();
    }
  });

  test('killing kiln with SIGKILL kills the sandbox', async () => {
    const marker = `${1000 + Math.floor(Math.random() * 1000)}.${process.pid}`;
    const proc = Bun.spawn([KILN, '--quiet', '--noprofile', 'sleep', marker], { stdout: 'ignore', stderr: 'ignore' });
    await Bun.sleep(700);
    expect(run(['pgrep', '-f', `sleep ${marker}`]).code).toBe(0);
    proc.kill('SIGKILL');
    await proc.exited;
    await Bun.sleep(500);
    expect(run(['pgrep', '-f', `sleep ${marker}`]).code).toBe(1);
  });

  test('SIGTERM to kiln ends the sandbox with 143', async () => {
    const marker = `${2000 + Math.floor(Math.random() * 1000)}.${process.pid}`;
    const proc = Bun.spawn([KILN, '--quiet', '--noprofile', 'sleep', marker], { stdout: 'ignore', stderr: 'ignore' });
    await Bun.sleep(700);
    proc.kill('SIGTERM');
    expect(await proc.exited).toBe(143);
    await Bun.sleep(300);
    expect(run(['pgrep', '-f', `sleep ${marker}`]).code).toBe(1);
  });

  test('kiln hands its process over to tini, with bwrap as its child: nothing of kiln stays resident', async () => {
    const proc = Bun.spawn([KILN, '--quiet', '--noprofile', 'sleep', '5'], { stdout: 'ignore', stderr: 'ignore' });
    await Bun.sleep(700);
    const exe = readlinkSync(`/proc/${proc.pid}/exe`);
    const children = readFileSync(`/proc/${proc.pid}/task/${proc.pid}/children`, 'utf8').trim().split(/\s+/);
    const childExe = children.map((c) => readlinkSync(`/proc/${c}/exe`));
    proc.kill('SIGKILL');
    await proc.exited;
    expect(exe).toBe('/usr/bin/tini');
    expect(childExe).toEqual(['/usr/bin/bwrap']);
  });
});

describe('terminal', () => {
  test.skipIf(!hasCommand('script'))('an interactive shell gets the terminal and job control', () => {
    // script(1) gives kiln a pseudo-terminal; `$-` contains m when job control is on.
    const r = run(['script', '-qec', `${KILN} --quiet --noprofile /bin/bash --norc -i -c 'echo "flags:$-"; tty'`, '/dev/null']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/flags:[a-zA-Z]*m/);
    expect(r.stdout).toMatch(/\/dev\/pts\/\d+/);
  });
});

test('the sandbox sees the same file contents as the host', () => {
  expect(sandboxSh('cat /etc/hostname').stdout).toBe(readFileSync('/etc/hostname', 'utf8'));
});

describe('program lookup, as execvp does it inside the sandbox', () => {
  /** A shim named python3 in `dir`, first on PATH, that exits 99 (as a ~/.pyenv/shims entry would run). */
  function shimDir(dir: string): string {
    const bin = join(dir, 'shims');
    run(['mkdir', '-p', bin]);
    writeFileSync(join(bin, 'python3'), '#!/bin/sh\nexit 99\n', { mode: 0o755 });
    return bin;
  }
  const py = ['python3', '-c', 'raise SystemExit(5)'];

  test.skipIf(!hasCommand('python3'))('a PATH entry the profile hides is skipped, and the next one runs', () => {
    const d = tempDir();
    try {
      const PATH = `${shimDir(d.path)}:/usr/bin:/bin`;
      // control: without the blacklist the shim is found first
      expect(kiln(['--quiet', '--noprofile', ...py], { env: { PATH } }).code).toBe(99);
      expect(kiln(['--quiet', '--noprofile', `--blacklist=${d.path}/shims`, ...py], { env: { PATH } }).code).toBe(5);
      // noexec: execvp gets EACCES there and goes on searching
      expect(kiln(['--quiet', '--noprofile', `--noexec=${d.path}/shims`, ...py], { env: { PATH } }).code).toBe(5);
    } finally {
      d.cleanup();
    }
  });

  test.skipIf(!hasCommand('python3'))('a shim in the home that private hides is skipped (pyenv, cargo, ~/.local/bin)', () => {
    const home = tempDir('kiln-home-');
    try {
      const PATH = `${shimDir(home.path)}:/usr/bin:/bin`;
      expect(kiln(['--quiet', '--noprofile', ...py], { env: { PATH, HOME: home.path } }).code).toBe(99);
      expect(kiln(['--quiet', '--noprofile', '--private', ...py], { env: { PATH, HOME: home.path } }).code).toBe(5);
    } finally {
      home.cleanup();
    }
  });

  test('a program only hidden places have exits 127, and the error names the PATH searched', () => {
    const d = tempDir();
    try {
      const bin = join(d.path, 'bin');
      run(['mkdir', '-p', bin]);
      writeFileSync(join(bin, 'kiln-only-here'), '#!/bin/sh\nexit 0\n', { mode: 0o755 });
      const PATH = `${bin}:/usr/bin:/bin`;
      expect(kiln(['--quiet', '--noprofile', 'kiln-only-here'], { env: { PATH } }).code).toBe(0);
      const r = kiln(['--quiet', '--noprofile', `--blacklist=${bin}`, 'kiln-only-here'], { env: { PATH } });
      expect(r.code).toBe(127);
      expect(r.stderr).toContain(`PATH=${PATH}`);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    } finally {
      d.cleanup();
    }
  });
});
