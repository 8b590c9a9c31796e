/**
 * `net none`: the sandbox has its own network namespace with loopback up, and its /sys is a sysfs of
 * that namespace, so the host's interfaces (names, MAC addresses) do not show in /sys/class/net, as under
 * Firejail. What the baseline hides under /sys stays hidden.
 */
import { describe, expect, test } from 'bun:test';
import { readdirSync } from 'node:fs';
import { hasCommand, run, KILN } from '../lib/run.ts';

const hostIfaces = readdirSync('/sys/class/net').sort();
const list = (extra: readonly string[]) => run([KILN, '--quiet', ...extra, '/bin/sh', '-c', 'ls /sys/class/net']).stdout.trim().split('\n').sort();

describe('net none', () => {
  const variants = [['--noprofile'], ['--noprofile', '--private-dev'], ['--noprofile', '--noexec=/tmp'], ['--profile=/etc/firejail/default.profile']];
  for (const extra of variants) {
    test(`/sys/class/net shows only lo: ${extra.join(' ')}`, () => {
      expect(list(['--net=none', ...extra])).toEqual(['lo']);
    });
  }

  test('control: without net none the sandbox sees the host interfaces', () => {
    expect(hostIfaces.length).toBeGreaterThan(1);
    expect(list(['--noprofile'])).toEqual(hostIfaces);
  });

  test.skipIf(!hasCommand('python3'))('loopback is up inside, and a listener on the host is out of reach', () => {
    const server = Bun.listen({ hostname: '127.0.0.1', port: 0, socket: { data() {} } });
    try {
      const probe = (port: number) =>
        `import socket\ns=socket.socket();s.bind(("127.0.0.1",0));s.listen();socket.create_connection(s.getsockname()).close()\ntry:\n  socket.create_connection(("127.0.0.1",${port}),timeout=2).close(); print("host")\nexcept OSError: print("isolated")`;
      const inside = run([KILN, '--quiet', '--noprofile', '--net=none', 'python3', '-c', probe(server.port)]);
      expect([inside.code, inside.stdout.trim()]).toEqual([0, 'isolated']);
      const control = run([KILN, '--quiet', '--noprofile', 'python3', '-c', probe(server.port)]);
      expect([control.code, control.stdout.trim()]).toEqual([0, 'host']);
    } finally {
      server.stop(true);
    }
  });

  test('what the baseline hides under /sys stays hidden over the new sysfs', () => {
    // An empty listing (root reads the mode-0000 tmpfs) or a refusal (a user cannot), against the host's.
    const seen = (argv: readonly string[]) => {
      const r = run(argv);
      return r.code === 0 ? r.stdout.trim() : '';
    };
    expect(seen(['ls', '/sys/firmware'])).not.toBe('');
    expect(seen([KILN, '--quiet', '--noprofile', '--net=none', 'ls', '/sys/firmware'])).toBe('');
    expect(seen([KILN, '--quiet', '--noprofile', 'ls', '/sys/firmware'])).toBe('');
  });
});
