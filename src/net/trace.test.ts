import { describe, expect, test } from 'bun:test';
import type { RegistryEntry } from '../registry/entry.ts';
import type { Sandbox } from '../registry/scan.ts';
import { decodeProgram, SECCOMP_RET_ALLOW, SECCOMP_RET_ERRNO } from '../seccomp/bpf.ts';
import { hostPort, parseDumpLine, TraceFormatter } from './trace-format.ts';
import { planTrace, setgroupsNoopFilter, tcpdumpArgs, type TraceFacts } from './trace.ts';

const at = new Date(2026, 11, 4, 9, 5, 7);

describe('tcpdump lines', () => {
  test('interface, direction, family, addresses', () => {
    expect(parseDumpLine('eth0  Out IP 10.0.2.100.40000 > 10.91.0.1.8080: tcp 0')).toEqual({ iface: 'eth0', direction: 'Out', family: 'IP', src: '10.0.2.100.40000', dst: '10.91.0.1.8080', rest: 'tcp 0' });
    expect(parseDumpLine('tcpdump: listening on any')).toBeUndefined();
    expect(hostPort('fd00::1.443', 'IP6')).toBe('[fd00::1]:443');
  });

  test('nettrace: one line per TCP connection and per UDP flow, replies included in their flow; loopback ignored', () => {
    const f = new TraceFormatter('net');
    expect(f.format('eth0  Out IP 10.0.2.100.40000 > 10.91.0.1.8080: tcp 0', at)).toBe('09:05:07  10.0.2.100:40000 => 10.91.0.1:8080 (TCP)');
    expect(f.format('eth0  Out IP 10.0.2.100.5000 > 10.91.0.1.53: UDP, length 29', at)).toBe('09:05:07  10.0.2.100:5000 => 10.91.0.1:53 (UDP)');
    expect(f.format('eth0  Out IP 10.0.2.100.5000 > 10.91.0.1.53: UDP, length 29', at)).toBeUndefined();
    expect(f.format('eth0  In  IP 10.91.0.1.53 > 10.0.2.100.5000: UDP, length 45', at)).toBeUndefined();
    expect(f.format('eth0  In  IP6 fd00::1.5353 > fd00::2.53: UDP, length 45', at)).toBe('09:05:07  [fd00::1]:5353 => [fd00::2]:53 (UDP)');
    expect(f.format('lo    In  IP 127.0.0.1.40000 > 127.0.0.1.80: tcp 0', at)).toBeUndefined();
  });

  test('dnstrace: server, name, type; EDNS and unknown types; bytes from the sandbox made printable', () => {
    const f = new TraceFormatter('dns');
    expect(f.format('eth0  Out IP 10.0.2.100.41234 > 10.0.2.3.53: 4660+ A? example.com. (29)', at)).toBe('09:05:07  10.0.2.3  example.com (type 1)');
    expect(f.format('eth0  Out IP 10.0.2.100.41234 > 10.0.2.3.53: 4661+ [1au] AAAA? example.com. (40)', at)).toBe('09:05:07  10.0.2.3  example.com (type 28)');
    expect(f.format('eth0  Out IP 10.0.2.100.41234 > 10.0.2.3.53: 7+ CAA? x.test. (24)', at)).toBe('09:05:07  10.0.2.3  x.test (type CAA)');
    expect(f.format('eth0  Out IP 10.0.2.100.41234 > 10.0.2.3.53: 7+ A? a\x1bb.test. (24)', at)).toBe('09:05:07  10.0.2.3  a?b.test (type 1)');
    expect(f.format('eth0  Out IP 10.0.2.100.41234 > 10.0.2.3.53: Flags [S], seq 1, length 0', at)).toBeUndefined();
  });

  test('icmptrace: source, destination and what tcpdump says', () => {
    const f = new TraceFormatter('icmp');
    expect(f.format('eth0  In  IP 10.91.0.1 > 10.0.2.100: ICMP 10.91.0.1 udp port 7003 unreachable, length 40', at)).toBe('09:05:07  10.91.0.1 -> 10.0.2.100 - 10.91.0.1 udp port 7003 unreachable, length 40');
    expect(f.format('eth0  Out IP6 fe80::1 > ff02::2: ICMP6, router solicitation, length 16', at)).toBe('09:05:07  fe80::1 -> ff02::2 - router solicitation, length 16');
  });
});

function sandbox(uid: number, network: RegistryEntry['network']): Sandbox {
  const entry = { version: 1, pid: 100, startTime: '1', uid, user: 'u', name: 'box', command: [], argv: [], profiles: [], cwd: '/', started: 0, seccomp: [], caps: 'unchanged', ...(network !== undefined ? { network } : {}) } as RegistryEntry;
  return { entry, dir: '/x', user: 'u', pid1: 101 };
}

const facts = (callerUid: number): TraceFacts => ({ callerUid, tools: { tcpdump: '/usr/bin/tcpdump', nsenter: '/usr/bin/nsenter', setpriv: '/usr/bin/setpriv' }, ownerGid: 1000, lastCap: 40 });
const userNet = { mode: 'user', interfaces: [{ name: 'eth0', device: 'slirp4netns' }], dns: [] } as const;
const rootNet = { mode: 'root', interfaces: [{ name: 'eth0', device: 'br0' }], dns: [] } as const;

describe('planTrace', () => {
  test("root's own sandbox: nsenter into its network namespace only, tcpdump staying root", () => {
    const p = planTrace('dns', sandbox(0, rootNet), facts(0), '--dnstrace');
    expect(p.init).toBeUndefined();
    expect(p.argv.slice(0, 6)).toEqual(['/usr/bin/setpriv', '--pdeathsig', 'SIGKILL', '--', '/usr/bin/nsenter', '--net=/proc/self/fd/3']);
    expect(p.argv.slice(6)).toEqual(['/usr/bin/tcpdump', ...tcpdumpArgs('dns')]);
    expect(tcpdumpArgs('dns')).toContain('-Z');
  });

  test("the owner of a user-mode sandbox: the owning user namespace, then kiln's init stage with the setgroups filter", () => {
    const p = planTrace('net', sandbox(1000, userNet), facts(1000), '--nettrace');
    expect(p.argv).toContain('--preserve-credentials');
    expect(p.argv).toContain('--user=/proc/self/fd/4');
    expect(p.argv[0]).toBe('/usr/bin/setpriv');
    expect(p.argv).not.toContain('--reuid=1000');
    expect(p.init?.seccomp).toEqual([setgroupsNoopFilter()]);
    expect(p.init?.closeFds).toEqual([3, 4]);
  });

  test('root on a user\'s sandbox acts as the owner, before the parent-death signal is set', () => {
    const p = planTrace('sni', sandbox(1000, userNet), facts(0), '--snitrace');
    const reuid = p.argv.indexOf('--reuid=1000');
    expect(reuid).toBeGreaterThan(0);
    expect(p.argv.indexOf('--pdeathsig')).toBeGreaterThan(reuid);
  });

  test('refusals: no network of its own; someone else\'s sandbox (control: the owner is not refused)', () => {
    expect(() => planTrace('net', sandbox(1000, undefined), facts(1000), '--nettrace')).toThrow(/no network namespace/);
    expect(() => planTrace('net', sandbox(1000, userNet), facts(1001), '--nettrace')).toThrow(/owner/);
    expect(() => planTrace('net', sandbox(1000, userNet), facts(1000), '--nettrace')).not.toThrow();
  });

  test('the setgroups filter: errno 0 for setgroups on the native arch, allow otherwise', () => {
    const insns = decodeProgram(Buffer.from(setgroupsNoopFilter(), 'base64'));
    expect(insns.length).toBe(6);
    expect(insns.at(-2)?.k).toBe(SECCOMP_RET_ERRNO);
    expect(insns.at(-1)?.k).toBe(SECCOMP_RET_ALLOW);
  });
});

describe('the command line', () => {
  test('--nettrace, --dnstrace, --icmptrace, --snitrace=NAME|PID are monitor actions; no value, or a program, is refused', async () => {
    const { parseArgs } = await import('../cli/args.ts');
    for (const what of ['net', 'dns', 'icmp', 'sni'] as const) {
      expect(parseArgs([`--${what}trace=web`]).action).toEqual({ kind: 'trace', what, target: 'web', option: `--${what}trace` });
    }
    expect(() => parseArgs(['--nettrace'])).toThrow(/needs a value/);
    expect(() => parseArgs(['--nettrace=web', 'ls'])).toThrow(/takes no program/);
    expect(() => parseArgs(['--net=eth0', '--nettrace=web'])).toThrow(/no effect/);
  });
});
