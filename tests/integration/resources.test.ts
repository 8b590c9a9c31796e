/**
 * Resource limits, environment and identity, sockets cut off: each checked inside a real sandbox, with the
 * same probe run without the option as a control.
 */
import { describe, expect, test } from 'bun:test';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { KILN, hasCommand, run, sandboxSh, tempDir } from '../lib/run.ts';

describe('resource limits', () => {
  test('rlimit-nofile shows up in ulimit -n', () => {
    expect(sandboxSh('ulimit -n', ['--rlimit-nofile=77']).stdout.trim()).toBe('77');
    expect(sandboxSh('ulimit -n').stdout.trim()).not.toBe('77');
  });

  test('rlimit-fsize stops a large write', () => {
    const d = tempDir();
    try {
      const write = `head -c 4096 /dev/zero > ${d.path}/big`;
      expect(sandboxSh(write, ['--rlimit-fsize=1024']).code).not.toBe(0);
      expect(sandboxSh(write).code).toBe(0);
    } finally {
      d.cleanup();
    }
  });

  test('limits bind the program, not the set-up: tiny limits still launch the default profile', () => {
    // bwrap writes /etc/passwd and other files, tini and bwrap open fds and fork, and the init stage maps
    // memory: none of that is bound by the program's limits. Each probe prints the limit it got.
    const cases: [string, string, string][] = [
      ['--rlimit-fsize=1024', 'ulimit -f', '1'],
      ['--rlimit-nofile=8', 'ulimit -n', '8'],
      ['--rlimit-nproc=1', 'ulimit -u', '1'],
      ['--rlimit-as=20000000', 'ulimit -v', String(Math.floor(20000000 / 1024))],
      ['--rlimit-sigpending=1', 'ulimit -i', '1'],
      ['--rlimit-cpu=5', 'ulimit -t', '5'],
    ];
    for (const [option, probe, want] of cases) {
      const r = run([KILN, '--quiet', option, '/bin/bash', '-c', probe]);
      expect([option, r.code, r.stdout.trim()]).toEqual([option, 0, want]);
      // control: the same probe without the option shows another value
      expect(run([KILN, '--quiet', '/bin/bash', '-c', probe]).stdout.trim()).not.toBe(want);
    }
  });

  const hardNofile = run(['sh', '-c', 'ulimit -H -n']).stdout.trim();
  // CAP_SYS_RESOURCE is bit 24; some containers and VMs withhold it even from root.
  const capEff = BigInt(`0x${/CapEff:\s*([0-9a-f]+)/.exec(run(['cat', '/proc/self/status']).stdout)?.[1] ?? '0'}`);
  const canRaise = ((capEff >> 24n) & 1n) === 1n;
  test.skipIf(canRaise || hardNofile === 'unlimited')('raising a hard limit without CAP_SYS_RESOURCE is a clear error, and nothing starts', () => {
    const d = tempDir();
    try {
      const r = sandboxSh(`touch ${d.path}/ran`, [`--rlimit-nofile=${Number(hardNofile) + 1000}`]);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain('rlimit-nofile');
      expect(run(['test', '-e', `${d.path}/ran`]).code).not.toBe(0);
      // control: lowering it works
      expect(sandboxSh('ulimit -n', [`--rlimit-nofile=${Number(hardNofile) - 1}`]).stdout.trim()).toBe(String(Number(hardNofile) - 1));
    } finally {
      d.cleanup();
    }
  });

  test.skipIf(!canRaise)('with CAP_SYS_RESOURCE a hard limit can be raised', () => {
    const raised = hardNofile === 'unlimited' ? 4096 : Number(hardNofile) + 1000;
    expect(sandboxSh('ulimit -H -n', [`--rlimit-nofile=${raised}`]).stdout.trim()).toBe(String(raised));
  });

  test('nice and cpu apply to the program', () => {
    expect(sandboxSh('nice', ['--nice=5']).stdout.trim()).toBe('5');
    expect(sandboxSh('nice').stdout.trim()).toBe('0');
    expect(sandboxSh("grep Cpus_allowed_list /proc/self/status | awk '{print $2}'", ['--cpu=0']).stdout.trim()).toBe('0');
  });

  test('timeout ends a long program in about the given time', async () => {
    const start = performance.now();
    const r = sandboxSh('sleep 100', ['--timeout=00:00:02']);
    const seconds = (performance.now() - start) / 1000;
    expect(r.code).not.toBe(0);
    // No wall-clock threshold worth trusting on a noisy VM: it must not have run for the full 100 s.
    expect(seconds).toBeLessThan(60);
    expect(sandboxSh('exit 3', ['--timeout=00:00:05']).code).toBe(3); // control: a quick program is untouched
  });
});

describe('identity', () => {
  test('dns writes the sandbox its own resolv.conf', () => {
    expect(sandboxSh('cat /etc/resolv.conf', ['--dns=192.0.2.53']).stdout).toBe('nameserver 192.0.2.53\n');
    expect(sandboxSh('cat /etc/resolv.conf').stdout).not.toContain('192.0.2.53');
  });

  test('hosts-file replaces /etc/hosts', () => {
    const d = tempDir();
    try {
      const f = join(d.path, 'hosts');
      writeFileSync(f, '192.0.2.7 kiln-test-host\n');
      expect(sandboxSh('getent hosts kiln-test-host', [`--hosts-file=${f}`]).code).toBe(0);
      expect(sandboxSh('getent hosts kiln-test-host').code).not.toBe(0);
    } finally {
      d.cleanup();
    }
  });
});

describe('sockets cut off', () => {
  const hasPython = hasCommand('python3');
  const connect = (name: string) => `import socket; s=socket.socket(socket.AF_UNIX); s.connect("\\0${name}")`;

  test.skipIf(!hasPython)('x11 none makes the host X server abstract socket unreachable; a control connects', async () => {
    const name = `kiln-x11-probe-${process.pid}`;
    const server = Bun.spawn(['python3', '-c', `import socket,time; s=socket.socket(socket.AF_UNIX); s.bind("\\0${name}"); s.listen(8); time.sleep(20)`]);
    try {
      await Bun.sleep(400);
      expect(run([KILN, '--quiet', '--noprofile', 'python3', '-c', connect(name)]).code).toBe(0);
      expect(run([KILN, '--quiet', '--noprofile', '--x11=none', 'python3', '-c', connect(name)]).code).not.toBe(0);
      expect(run([KILN, '--quiet', '--noprofile', '--nodbus', 'python3', '-c', connect(name)]).code).not.toBe(0);
      // with a network namespace, the host's abstract sockets are gone anyway
      expect(run([KILN, '--quiet', '--noprofile', '--net=none', 'python3', '-c', connect(name)]).code).not.toBe(0);
    } finally {
      server.kill();
    }
  });

  test('x11 none removes DISPLAY', () => {
    expect(sandboxSh('echo "${DISPLAY-unset}"', ['--x11=none'], { env: { DISPLAY: ':0' } }).stdout).toBe('unset\n');
    expect(sandboxSh('echo "${DISPLAY-unset}"', [], { env: { DISPLAY: ':0' } }).stdout).toBe(':0\n');
  });

  test('dbus-user none hides the session bus socket', () => {
    const d = tempDir();
    try {
      const sock = join(d.path, 'bus');
      writeFileSync(sock, '');
      const env = { DBUS_SESSION_BUS_ADDRESS: `unix:path=${sock}` };
      expect(sandboxSh(`cat ${sock}`, ['--dbus-user=none'], { env }).code).not.toBe(0);
      expect(sandboxSh(`cat ${sock}`, [], { env }).code).toBe(0);
    } finally {
      d.cleanup();
    }
  });
});
