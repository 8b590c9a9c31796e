/**
 * The network commands on running sandboxes: --net.print, --netfilter.print, --netfilter6.print,
 * --dns.print, --netstats and --bandwidth. What they print is checked against the sandbox's namespace as
 * seen independently: nsenter and iproute2 (root), or /proc, sysfs and a namespace entered by fd from
 * Python (an unprivileged owner, whose sandbox's network namespace belongs to bwrap's outer user namespace).
 *
 * Root's sandboxes run inside a private network namespace of the test's own (`ip netns add`), on a bridge
 * made there, so that nothing touches the host's network.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import type { Subprocess } from 'bun';
import { existsSync, readFileSync } from 'node:fs';
import { IS_ROOT, KILN, kiln, run, type Result } from '../lib/run.ts';
import { asOther, kilnAsOther, listJson, OTHER_USER, uniqueName, waitFor } from './manage-helpers.ts';

const HAVE_TC = run(['sh', '-c', 'command -v tc || test -x /usr/sbin/tc || test -x /sbin/tc']).code === 0;
const HAVE_SLIRP = run(['sh', '-c', 'command -v slirp4netns']).code === 0;
const HAVE_IPTABLES = run(['sh', '-c', 'command -v iptables-save || test -x /usr/sbin/iptables-save']).code === 0;

interface Bg {
  readonly name: string;
  readonly pid: number;
  readonly pid1: number;
  readonly proc: Subprocess;
}
const started: Bg[] = [];

async function stopAll(): Promise<void> {
  for (const s of started.splice(0)) {
    try {
      process.kill(s.pid, 'SIGKILL');
    } catch {
      // already gone
    }
    await s.proc.exited;
  }
}

/** Starts argv (a kiln command line, possibly under `ip netns exec` or as the other user) in the background. */
async function startBg(name: string, argv: readonly string[]): Promise<Bg> {
  const proc = Bun.spawn([...argv], { cwd: '/tmp', stdin: 'ignore', stdout: 'ignore', stderr: 'pipe' });
  const listed = await waitFor(`sandbox ${name} to be listed`, () => {
    if (proc.exitCode !== null) throw new Error(`sandbox ${name} exited with ${proc.exitCode}`);
    return listJson(false).find((s) => s.name === name && s.pid1 !== undefined);
  });
  const bg = { name, pid: listed.pid, pid1: listed.pid1 ?? 0, proc };
  started.push(bg);
  return bg;
}

/** A row of the --net.print table, by interface name. */
function netRow(out: string, iface: string): { mac: string; ip: string; mask: string; status: string } | undefined {
  for (const line of out.split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f[0] !== iface) continue;
    // lo has no MAC column: four fields.
    if (f.length === 4) return { mac: '', ip: f[1] ?? '', mask: f[2] ?? '', status: f[3] ?? '' };
    return { mac: f[1] ?? '', ip: f[2] ?? '', mask: f[3] ?? '', status: f[4] ?? '' };
  }
  return undefined;
}

/** The IPv4 addresses local to a process's network namespace, from /proc/PID/net/fib_trie. */
function localAddresses(pid: number): Set<string> {
  const lines = readFileSync(`/proc/${pid}/net/fib_trie`, 'utf8').split('\n');
  const out = new Set<string>();
  lines.forEach((l, i) => {
    const m = /\|-- (\S+)/.exec(l);
    if (m?.[1] !== undefined && /\/32 host LOCAL/.test(lines[i + 1] ?? '')) out.add(m[1]);
  });
  return out;
}

/**
 * argv run inside the network namespace of `pid1`, independently of kiln: root with nsenter -t; a user
 * through the namespace's owning user namespace, found with ioctl(NS_GET_USERNS) from Python.
 */
function inNet(pid1: number, argv: readonly string[]): Result {
  if (IS_ROOT) return run(['nsenter', '-t', String(pid1), '-n', ...argv]);
  const py = [
    'import os, fcntl, sys',
    `n = os.open('/proc/${pid1}/ns/net', os.O_RDONLY)`,
    'u = fcntl.ioctl(n, 0xb701)',
    'os.set_inheritable(n, True); os.set_inheritable(u, True)',
    "os.execvp('nsenter', ['nsenter', '--preserve-credentials', f'--user=/proc/self/fd/{u}', f'--net=/proc/self/fd/{n}'] + sys.argv[1:])",
  ].join('\n');
  return run(['python3', '-c', py, ...argv], { env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin' } });
}

interface Qdisc {
  kind: string;
  dev: string;
  root?: boolean;
  options?: { rate?: number };
}
const qdiscs = (pid1: number): Qdisc[] => {
  const r = inNet(pid1, ['tc', '-j', 'qdisc', 'show']);
  if (r.code !== 0) throw new Error(`tc failed: ${r.stderr}`);
  return JSON.parse(r.stdout) as Qdisc[];
};
const links = (pid1: number): string[] => (JSON.parse(inNet(pid1, ['ip', '-j', 'link', 'show']).stdout) as { ifname: string }[]).map((l) => l.ifname);

describe.skipIf(!IS_ROOT || !HAVE_TC || !HAVE_IPTABLES)('root sandboxes on a bridge in a private namespace (needs root, tc, iptables)', () => {
  const ns = `kt-print-${process.pid}`;
  let net: Bg;
  let plain: Bg;

  beforeAll(async () => {
    for (const cmd of [
      ['ip', 'netns', 'add', ns],
      ['ip', '-n', ns, 'link', 'set', 'lo', 'up'],
      ['ip', '-n', ns, 'link', 'add', 'br0', 'type', 'bridge'],
      ['ip', '-n', ns, 'addr', 'add', '10.88.0.1/24', 'dev', 'br0'],
      ['ip', '-n', ns, 'link', 'set', 'br0', 'up'],
    ]) {
      const r = run(cmd);
      if (r.code !== 0) throw new Error(`${cmd.join(' ')}: ${r.stderr}`);
    }
    const netName = uniqueName('nprint');
    net = await startBg(netName, ['ip', 'netns', 'exec', ns, KILN, '--quiet', '--noprofile', `--name=${netName}`, '--net=br0', '--netfilter', '--dns=10.88.0.53', '--', 'sleep', '60']);
    const plainName = uniqueName('nprint-plain');
    plain = await startBg(plainName, ['ip', 'netns', 'exec', ns, KILN, '--quiet', '--noprofile', `--name=${plainName}`, '--', 'sleep', '60']);
    // The set-up stage has addressed eth0 once the program runs; wait for the address to be there.
    await waitFor('eth0 to have its address', () => ([...localAddresses(net.pid1)].some((a) => a.startsWith('10.88.0.')) ? true : undefined));
  });

  afterAll(async () => {
    await stopAll();
    run(['ip', 'netns', 'del', ns]);
  });

  test('--net.print shows the interfaces as iproute2 sees them inside', () => {
    const r = kiln(['--net.print=' + net.name]);
    expect(r.code).toBe(0);
    const ipj = JSON.parse(inNet(net.pid1, ['ip', '-j', 'addr', 'show', 'dev', 'eth0']).stdout) as { address: string; addr_info: { family: string; local: string; prefixlen: number }[] }[];
    const want = ipj[0]?.addr_info.find((a) => a.family === 'inet');
    expect(want?.local).toMatch(/^10\.88\.0\./);
    expect(netRow(r.stdout, 'eth0')).toEqual({ mac: ipj[0]?.address ?? '', ip: want?.local ?? '', mask: '255.255.255.0', status: 'UP' });
    expect(netRow(r.stdout, 'lo')?.ip).toBe('127.0.0.1');
    // By pid too, and from inside the test's namespace as well as outside it.
    expect(kiln([`--net.print=${net.pid}`]).stdout).toBe(r.stdout);
    expect(run(['ip', 'netns', 'exec', ns, KILN, `--net.print=${net.name}`]).stdout).toBe(r.stdout);
  });

  test('--net.print and --bandwidth on a sandbox without a network namespace exit 1 (control: --dns.print works there)', () => {
    expect(kiln([`--net.print=${plain.name}`]).code).toBe(1);
    expect(kiln([`--bandwidth=${plain.name}`, 'status']).code).toBe(1);
    expect(kiln([`--dns.print=${plain.name}`]).code).toBe(0);
  });

  test('--netfilter.print shows the loaded filter and a rule added since', () => {
    const before = kiln([`--netfilter.print=${net.name}`]);
    expect(before.code).toBe(0);
    expect(before.stdout).toContain(':INPUT DROP');
    expect(before.stdout).not.toContain('10.88.0.77');
    expect(inNet(net.pid1, ['iptables', '-A', 'OUTPUT', '-d', '10.88.0.77/32', '-j', 'DROP']).code).toBe(0);
    const after = kiln([`--netfilter.print=${net.name}`]);
    expect(after.stdout).toContain('-A OUTPUT -d 10.88.0.77/32 -j DROP');
    const rules = (s: string) => s.split('\n').filter((l) => l.startsWith('-A ') || l.startsWith('*'));
    expect(rules(after.stdout)).toEqual(rules(inNet(net.pid1, ['iptables-save']).stdout));
    expect(kiln([`--netfilter6.print=${net.name}`]).code).toBe(0);
  });

  test('--dns.print shows the nameserver the sandbox was given', () => {
    const r = kiln([`--dns.print=${net.name}`]);
    expect(r.code).toBe(0);
    expect(r.stdout.trim().split('\n')).toEqual(['nameserver 10.88.0.53']);
  });

  test('--netstats lists the networked sandbox and its interface, not the other one', () => {
    const r = kiln(['--netstats']);
    expect(r.code).toBe(0);
    const rows = r.stdout.split('\n').map((l) => l.trim().split(/\s+/));
    const row = rows.find((f) => f[0] === String(net.pid) && f[2] === 'eth0');
    expect(row).toBeDefined();
    expect(row?.[3]).toMatch(/^\d+$/);
    expect(rows.some((f) => f[0] === String(plain.pid))).toBe(false);
  });

  test('--bandwidth set shapes eth0 both ways, status reports it, clear removes it', () => {
    const shaped = () => qdiscs(net.pid1).filter((q) => q.kind === 'tbf' || q.kind === 'ingress');
    expect(shaped()).toEqual([]);
    // The device given to --net names the interface, as in Firejail.
    expect(kiln([`--bandwidth=${net.name}`, 'set', 'br0', '80', '20']).code).toBe(0);
    const q = qdiscs(net.pid1);
    expect(q.find((x) => x.dev === 'eth0' && x.root === true)).toMatchObject({ kind: 'tbf', options: { rate: 20_000 } });
    expect(q.some((x) => x.dev === 'eth0' && x.kind === 'ingress')).toBe(true);
    const ifb = q.find((x) => x.dev !== 'eth0' && x.kind === 'tbf');
    expect(ifb?.options?.rate).toBe(80_000);
    const filters = inNet(net.pid1, ['tc', 'filter', 'show', 'dev', 'eth0', 'ingress']).stdout;
    expect(filters).toContain(`Redirect to device ${ifb?.dev}`);
    const status = kiln([`--bandwidth=${net.name}`, 'status']);
    expect(status.code).toBe(0);
    expect(status.stdout).toMatch(/eth0.*download 80 KB\/s, upload 20 KB\/s/);
    // A second set replaces the first.
    expect(kiln([`--bandwidth=${net.name}`, 'set', 'eth0', '500', '300']).code).toBe(0);
    expect(qdiscs(net.pid1).filter((x) => x.kind === 'tbf').map((x) => x.options?.rate).sort()).toEqual([300_000, 500_000]);
    expect(kiln([`--bandwidth=${net.name}`, 'clear', 'eth0']).code).toBe(0);
    expect(shaped()).toEqual([]);
    expect(links(net.pid1)).not.toContain(ifb?.dev);
  });

  test('--bandwidth refuses an interface the sandbox does not have and bad speeds (control: a good one works)', () => {
    expect(kiln([`--bandwidth=${net.name}`, 'set', 'eth9', '80', '20']).code).toBe(1);
    expect(kiln([`--bandwidth=${net.name}`, 'set', 'eth0', '0', '20']).code).toBe(1);
    expect(kiln([`--bandwidth=${net.name}`, 'set', 'eth0', '80']).code).toBe(1);
    expect(kiln([`--bandwidth=${net.name}`, 'clear', 'eth0']).code).toBe(0);
  });

  test.skipIf(OTHER_USER === undefined || !HAVE_SLIRP)("root reads another user's user-mode sandbox (needs the test user and slirp4netns)", async () => {
    const name = uniqueName('nprint-other');
    const other = await startBg(name, asOther([KILN, '--quiet', '--noprofile', `--name=${name}`, '--net=eth0', '--', 'sleep', '60']));
    await waitFor('slirp4netns to be up', () => (localAddresses(other.pid1).has('10.0.2.100') ? true : undefined));
    const r = kiln([`--net.print=${other.pid}`]);
    expect(r.code).toBe(0);
    expect(netRow(r.stdout, 'eth0')?.ip).toBe('10.0.2.100');
    // The other user sees it as theirs, too.
    expect(netRow(kilnAsOther([`--net.print=${name}`]).stdout, 'eth0')?.ip).toBe('10.0.2.100');
  });
});

describe.skipIf(IS_ROOT || !HAVE_SLIRP || !HAVE_TC || !HAVE_IPTABLES || !existsSync('/usr/bin/python3'))('user-mode sandboxes of an unprivileged user (needs slirp4netns, tc, iptables, python3)', () => {
  let net: Bg;
  let unfiltered: Bg;

  beforeAll(async () => {
    const name = uniqueName('nprint-user');
    net = await startBg(name, [KILN, '--quiet', '--noprofile', `--name=${name}`, '--net=eth0', '--netfilter', '--', 'sleep', '60']);
    const name2 = uniqueName('nprint-user-nf');
    unfiltered = await startBg(name2, [KILN, '--quiet', '--noprofile', `--name=${name2}`, '--net=eth0', '--', 'sleep', '60']);
    await waitFor('slirp4netns to be up', () => (localAddresses(net.pid1).has('10.0.2.100') ? true : undefined));
  });

  afterAll(stopAll);

  test('--net.print shows the user-mode interface, its address and its MAC', () => {
    const r = kiln([`--net.print=${net.name}`]);
    expect(r.code).toBe(0);
    const row = netRow(r.stdout, 'eth0');
    expect(localAddresses(net.pid1).has(row?.ip ?? '')).toBe(true);
    expect(row).toMatchObject({ ip: '10.0.2.100', mask: '255.255.255.0', status: 'UP' });
    expect(row?.mac).toBe(readFileSync(`/proc/${net.pid1}/root/sys/class/net/eth0/address`, 'utf8').trim());
  });

  test("--dns.print shows slirp4netns' forwarder", () => {
    const r = kiln([`--dns.print=${net.name}`]);
    expect(r.code).toBe(0);
    expect(r.stdout.trim().split('\n')).toEqual(['nameserver 10.0.2.3']);
  });

  test('--netfilter.print shows the default filter where one was loaded (control: none where none was)', () => {
    const r = kiln([`--netfilter.print=${net.name}`]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(':INPUT DROP');
    expect(r.stdout.split('\n').filter((l) => l.startsWith('-A '))).toEqual(inNet(net.pid1, ['iptables-save']).stdout.split('\n').filter((l) => l.startsWith('-A ')));
    const none = kiln([`--netfilter.print=${unfiltered.name}`]);
    expect(none.code).toBe(0);
    expect(none.stdout).not.toContain(':INPUT DROP');
  });

  test('--bandwidth set and clear change the qdiscs inside', () => {
    expect(qdiscs(net.pid1).filter((q) => q.kind === 'tbf')).toEqual([]);
    expect(kiln([`--bandwidth=${net.name}`, 'set', 'eth0', '80', '20']).code).toBe(0);
    const q = qdiscs(net.pid1);
    expect(q.find((x) => x.dev === 'eth0' && x.root === true)).toMatchObject({ kind: 'tbf', options: { rate: 20_000 } });
    expect(q.find((x) => x.dev !== 'eth0' && x.kind === 'tbf')?.options?.rate).toBe(80_000);
    expect(q.some((x) => x.dev === 'eth0' && x.kind === 'ingress')).toBe(true);
    expect(kiln([`--bandwidth=${net.name}`, 'status']).stdout).toMatch(/download 80 KB\/s, upload 20 KB\/s/);
    expect(kiln([`--bandwidth=${net.name}`, 'clear', 'eth0']).code).toBe(0);
    expect(qdiscs(net.pid1).filter((x) => x.kind === 'tbf' || x.kind === 'ingress')).toEqual([]);
  });

  test('--netstats lists both sandboxes with eth0', () => {
    const r = kiln(['--netstats']);
    expect(r.code).toBe(0);
    const rows = r.stdout.split('\n').map((l) => l.trim().split(/\s+/));
    for (const s of [net, unfiltered]) expect(rows.some((f) => f[0] === String(s.pid) && f[2] === 'eth0')).toBe(true);
  });
});
