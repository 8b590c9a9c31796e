import { describe, expect, test } from 'bun:test';
import { UsageError } from '../errors.ts';
import { parseArgs } from '../cli/args.ts';
import { parseBandwidth } from './bandwidth.ts';
import { formatInterfaces, parseNetDev } from './print.ts';

describe('network print formatting', () => {
  test('formatInterfaces: a row per IPv4 address, loopback without a MAC, state from the UP flag', () => {
    const json = JSON.stringify([
      { ifname: 'lo', address: '00:00:00:00:00:00', flags: ['LOOPBACK', 'UP'], addr_info: [{ family: 'inet', local: '127.0.0.1', prefixlen: 8 }, { family: 'inet6', local: '::1', prefixlen: 128 }] },
      { ifname: 'eth0', address: 'aa:bb:cc:dd:ee:ff', flags: ['BROADCAST', 'UP'], addr_info: [{ family: 'inet', local: '10.88.0.2', prefixlen: 24 }] },
      { ifname: 'eth1', address: '02:00:00:00:00:01', flags: ['BROADCAST'], addr_info: [] },
    ]);
    const rows = formatInterfaces(json).trimEnd().split('\n').map((l) => l.trim().split(/\s+/));
    expect(rows).toEqual([
      ['Interface', 'MAC', 'IP', 'Mask', 'Status'],
      ['lo', '127.0.0.1', '255.0.0.0', 'UP'],
      ['eth0', 'aa:bb:cc:dd:ee:ff', '10.88.0.2', '255.255.255.0', 'UP'],
      ['eth1', '02:00:00:00:00:01', 'DOWN'],
    ]);
  });

  test('parseNetDev: received and sent bytes per interface', () => {
    const text = [
      'Inter-|   Receive                                                |  Transmit',
      ' face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed',
      '    lo:     100       1    0    0    0     0          0         0      100       1    0    0    0     0       0          0',
      '  eth0: 12345678901      10    0    0    0     0          0         0      426       5    0    0    0     0       0          0',
    ].join('\n');
    expect(parseNetDev(text)).toEqual([
      { name: 'lo', rx: 100n, tx: 100n },
      { name: 'eth0', rx: 12345678901n, tx: 426n },
    ]);
  });
});

describe('--bandwidth words', () => {
  test('set, clear and status parse; anything else is a usage error', () => {
    expect(parseBandwidth('--bandwidth', ['set', 'eth0', '80', '20'])).toEqual({ op: 'set', iface: 'eth0', down: 80, up: 20 });
    expect(parseBandwidth('--bandwidth', ['clear', 'br0'])).toEqual({ op: 'clear', iface: 'br0' });
    expect(parseBandwidth('--bandwidth', ['status'])).toEqual({ op: 'status' });
    for (const bad of [['set', 'eth0', '80'], ['set', 'eth0', '0', '20'], ['set', 'eth0', '8.5', '20'], ['set', 'eth0', '-1', '20'], ['clear'], ['status', 'eth0'], ['reset']]) {
      expect(() => parseBandwidth('--bandwidth', bad)).toThrow(UsageError);
    }
  });

  test('the CLI passes the words on, and refuses a bare --bandwidth', () => {
    expect(parseArgs(['--bandwidth=web', 'set', 'eth0', '80', '20']).action).toEqual({ kind: 'bandwidth', target: 'web', words: ['set', 'eth0', '80', '20'] });
    expect(() => parseArgs(['--bandwidth=web'])).toThrow(UsageError);
    expect(parseArgs(['--net.print=web']).action).toEqual({ kind: 'net-print', what: 'net', target: 'web', option: '--net.print' });
    expect(parseArgs(['--netstats']).action).toEqual({ kind: 'netstats' });
    expect(() => parseArgs(['--netstats', 'extra'])).toThrow(UsageError);
    expect(() => parseArgs(['--netstats=x'])).toThrow(UsageError);
  });
});
