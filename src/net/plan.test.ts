import { describe, expect, test } from 'bun:test';
import { UsageError } from '../errors.ts';
import type { HostFacts } from '../host/facts.ts';
import { fakeFsView } from '../host/fsview.ts';
import { emptyPolicy, type NetInterface, type Policy } from '../policy/policy.ts';
import { addressCandidates, prefixOfNetmask } from './address.ts';
import { DEFAULT_FILTER4, substituteArgs } from './filter.ts';
import { netlockRules } from './netlock.ts';
import { planNetwork } from './plan.ts';

const TOOLS = ['ip', 'nsenter', 'mount', 'slirp4netns', 'iptables-restore', 'ip6tables-restore', 'arping'].map((t) => `/usr/sbin/${t}`);

function facts(who: 'root' | 'user', extra: Record<string, 'file' | 'dir'> = {}, contents: Record<string, string> = {}): HostFacts {
  const entries: Record<string, 'file' | 'dir'> = Object.fromEntries([...TOOLS.map((t) => [t, 'file'] as const), ['/sys/class/net/br0/bridge', 'dir'], ['/sys/class/net/eth0', 'dir'], ['/sys/class/net/wlan0/wireless', 'dir'], ...Object.entries(extra)]);
  return { isRoot: who === 'root', fs: fakeFsView(entries, contents) } as unknown as HostFacts;
}

function policy(interfaces: NetInterface[], more: Partial<Policy> = {}): Policy {
  return { ...emptyPolicy(), net: { kind: 'interfaces', interfaces }, ...more } as Policy;
}

describe('planNetwork', () => {
  test('the host network and net none need no set-up stage', () => {
    expect(planNetwork(emptyPolicy(), facts('user'), '/sys').plan).toBeUndefined();
    expect(planNetwork({ ...emptyPolicy(), net: { kind: 'none' } } as Policy, facts('root'), '/sys').plan).toBeUndefined();
  });

  test('an unprivileged caller gets slirp4netns on 10.0.2.0/24, .100, DNS .3, MTU 65520', () => {
    const out = planNetwork(policy([{ device: 'eth0' }]), facts('user'), '/sys');
    expect(out.plan?.mode).toBe('user');
    expect(out.plan?.user).toEqual({ name: 'eth0', network: { address: '10.0.2.0', prefix: 24 }, address: '10.0.2.100', gateway: '10.0.2.2', dns: '10.0.2.3', mtu: 65520 });
    expect(out.dns).toEqual(['10.0.2.3']);
    expect(out.plan?.sysfs).toBe('/sys');
  });

  test('--ip moves the user network; --dns wins; --defaultgw must be the .2; bridge-only options warn', () => {
    const out = planNetwork(policy([{ device: 'x', ip: '10.7.1.9', mtu: 1400, vethName: 'v' }], { dns: ['9.9.9.9'] }), facts('user'), undefined);
    expect(out.plan?.user).toMatchObject({ network: { address: '10.7.1.0', prefix: 24 }, address: '10.7.1.9', gateway: '10.7.1.2', mtu: 1400 });
    expect(out.dns).toEqual(['9.9.9.9']);
    expect(out.warnings.length).toBe(1);
    expect(() => planNetwork(policy([{ device: 'x' }], { defaultGateway: '10.0.2.1' }), facts('user'), undefined)).toThrow(UsageError);
    expect(() => planNetwork(policy([{ device: 'x', ip: '10.0.2.3' }]), facts('user'), undefined)).toThrow(UsageError);
    expect(() => planNetwork(policy([{ device: 'x', move: true }]), facts('user'), undefined)).toThrow(UsageError);
  });

  test('root: a bridge gets a veth, Ethernet a macvlan, wireless an ipvlan; a missing device is an error', () => {
    const out = planNetwork(policy([{ device: 'br0' }, { device: 'eth0', ip: '192.168.1.5' }, { device: 'wlan0' }]), facts('root'), '/sys');
    expect(out.plan?.interfaces.map((i) => [i.name, i.kind, i.address.kind])).toEqual([
      ['eth0', 'bridge', 'auto'],
      ['eth1', 'macvlan', 'static'],
      ['eth2', 'ipvlan', 'auto'],
    ]);
    expect(() => planNetwork(policy([{ device: 'nosuch0' }]), facts('root'), undefined)).toThrow(UsageError);
    expect(() => planNetwork(policy([{ device: 'br0', ip: 'dhcp' }]), facts('root'), undefined)).toThrow(UsageError);
  });

  test('filters: the default one, a file with its template arguments, and a file that is not iptables-restore input', () => {
    const file = '*filter\n-A OUTPUT -d $ARG1 -p tcp --dport $ARG2 -j DROP\nCOMMIT\n';
    const f = facts('root', { '/etc/firejail/x.net': 'file', '/etc/bad.net': 'file' }, { '/etc/firejail/x.net': file, '/etc/bad.net': 'hello\n' });
    expect(planNetwork(policy([{ device: 'br0' }], { netfilter: { kind: 'default' } }), f, undefined).plan?.filter4?.rules).toBe(DEFAULT_FILTER4);
    const withArgs = planNetwork(policy([{ device: 'br0' }], { netfilter: { kind: 'file', path: '/etc/firejail/x.net', args: ['10.0.0.1', '443'] } }), f, undefined);
    expect(withArgs.plan?.filter4?.rules).toBe('*filter\n-A OUTPUT -d 10.0.0.1 -p tcp --dport 443 -j DROP\nCOMMIT\n');
    expect(() => planNetwork(policy([{ device: 'br0' }], { netfilter: { kind: 'file', path: '/etc/firejail/x.net', args: ['10.0.0.1'] } }), f, undefined)).toThrow(UsageError);
    expect(() => planNetwork(policy([{ device: 'br0' }], { netfilter: { kind: 'file', path: '/etc/bad.net', args: [] } }), f, undefined)).toThrow(UsageError);
  });
});

describe('netlock', () => {
  test('planned with Firejail\'s minute or KILN_NETLOCK_SECONDS; without a network it only warns', () => {
    const f = (env: Record<string, string>) => ({ ...facts('user', { '/usr/sbin/nft': 'file' }), env } as unknown as HostFacts);
    expect(planNetwork(policy([{ device: 'eth0' }], { netlock: true }), f({}), undefined).plan?.netlockSeconds).toBe(60);
    expect(planNetwork(policy([{ device: 'eth0' }], { netlock: true }), f({ KILN_NETLOCK_SECONDS: '5' }), undefined).plan?.netlockSeconds).toBe(5);
    expect(() => planNetwork(policy([{ device: 'eth0' }], { netlock: true }), f({ KILN_NETLOCK_SECONDS: '0' }), undefined)).toThrow(UsageError);
    const none = planNetwork({ ...emptyPolicy(), net: { kind: 'none' }, netlock: true } as Policy, f({}), undefined);
    expect([none.plan, none.warnings.length]).toEqual([undefined, 1]);
  });
  test('the rules switch when the learning set\'s elements expire, and the table is kiln\'s own', () => {
    const r = netlockRules(7);
    expect(r.startsWith('table inet kiln_netlock {')).toBe(true);
    expect(r).toContain('set learning { type nf_proto; timeout 7s; elements = { ipv4, ipv6 } }');
    expect(r.match(/meta nfproto @learning /g)?.length).toBe(6);
    expect(r).not.toContain('meta time');
  });
});

describe('addresses', () => {
  test('candidates start after the bridge, wrap, and skip it and the taken ones', () => {
    expect(addressCandidates('10.0.0.1', 29, undefined, new Set(['10.0.0.3']))).toEqual(['10.0.0.2', '10.0.0.4', '10.0.0.5', '10.0.0.6']);
    expect(addressCandidates('10.0.0.5', 29, undefined, new Set())).toEqual(['10.0.0.6', '10.0.0.1', '10.0.0.2', '10.0.0.3', '10.0.0.4']);
    expect(addressCandidates('10.0.0.1', 24, ['10.0.0.50', '10.0.0.52'], new Set())).toEqual(['10.0.0.50', '10.0.0.51', '10.0.0.52']);
  });
  test('netmasks', () => {
    expect([prefixOfNetmask('255.255.255.0'), prefixOfNetmask('255.255.0.0'), prefixOfNetmask('255.255.255.128')]).toEqual([24, 16, 25]);
  });
  test('$ARG10 is not $ARG1 followed by 0', () => {
    const args = Array.from({ length: 10 }, (_, i) => `a${i + 1}`);
    expect(substituteArgs('$ARG1 $ARG10', args, 'f')).toBe('a1 a10');
  });
});
