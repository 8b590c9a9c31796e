import { describe, expect, test } from 'bun:test';
import { hiddenBy, indexBlacklist, joinPath, splitLast } from './match.ts';
import { tokenBucket } from './ratelimit.ts';
import { suppressedLine, syslogDatagram, violationLine } from './message.ts';

describe('hiddenBy', () => {
  const index = indexBlacklist({ hidden: ['/etc/shadow', '/home/u/.ssh', '/boot'], shown: ['/home/u/.ssh/agent'] });
  test.each([
    ['/etc/shadow', '/etc/shadow'],
    ['/home/u/.ssh', '/home/u/.ssh'],
    ['/home/u/.ssh/id_rsa', '/home/u/.ssh'],
    ['/home/u/.ssh/', '/home/u/.ssh'],
    ['/boot/vmlinuz', '/boot'],
    // Negative: siblings, prefixes of names, a mount brought back beneath, relative paths.
    ['/etc/shadow-', undefined],
    ['/etc', undefined],
    ['/home/u/.sshx', undefined],
    ['/home/u/.ssh/agent', undefined],
    ['/home/u/.ssh/agent/sock', undefined],
    ['/', undefined],
    ['etc/shadow', undefined],
  ])('%s → %s', (path, want) => {
    expect(hiddenBy(path, index)).toBe(want);
  });
  test('/ hidden covers everything', () => {
    expect(hiddenBy('/x/y', indexBlacklist({ hidden: ['/'], shown: [] }))).toBe('/');
  });
});

describe('paths', () => {
  test('joinPath and splitLast', () => {
    expect(joinPath('/home/u', '.ssh/id')).toBe('/home/u/.ssh/id');
    expect(joinPath('/', 'etc')).toBe('/etc');
    expect(joinPath('/home/u', '/etc')).toBe('/etc');
    expect(splitLast('/a/b/')).toEqual({ dir: '/a', base: 'b' });
    expect(splitLast('/a')).toEqual({ dir: '/', base: 'a' });
    expect(splitLast('/')).toEqual({ dir: '/', base: '' });
  });
});

describe('tokenBucket', () => {
  test('a burst, then the rate; what is held back is counted once', () => {
    const b = tokenBucket(3, 1, 0);
    const at0 = [0, 0, 0, 0, 0].map(() => b.admit(0).log);
    expect(at0).toEqual([true, true, true, false, false]);
    expect(b.admit(500)).toEqual({ log: false, suppressed: 0 });
    expect(b.admit(1000)).toEqual({ log: true, suppressed: 3 });
    expect(b.admit(1000).log).toBe(false);
    expect(b.drain()).toBe(1);
    expect(b.drain()).toBe(0);
  });
  test('10000 attempts at one instant: the burst goes out, the rest is one count', () => {
    const b = tokenBucket(20, 1, 0);
    let logged = 0;
    for (let i = 0; i < 10000; i++) if (b.admit(0).log) logged++;
    expect([logged, b.drain()]).toEqual([20, 9980]);
  });
});

describe('messages', () => {
  const v = { sandboxPid: 10, name: 'web', exe: 'cat', pid: 12, syscall: 'openat', path: '/etc/shadow', asWritten: '/etc/shadow' };
  test("Firejail's words", () => {
    expect(violationLine(v)).toBe('blacklist violation - sandbox 10, name web, exe cat, pid 12, syscall openat, path /etc/shadow');
    expect(violationLine({ ...v, name: '', asWritten: 'link' })).toBe('blacklist violation - sandbox 10, exe cat, pid 12, syscall openat, path /etc/shadow (named link)');
    expect(suppressedLine(10, '', 5)).toBe('blacklist violation - sandbox 10: 5 more not logged (rate limit)');
  });
  test('the datagram: priority, time, ident, and no control characters', () => {
    const d = syslogDatagram('path /a\nb', 7, new Date(2026, 11, 4, 9, 5, 3));
    expect(d).toBe('<142>Dec  4 09:05:03 kiln[7]: path /a\\x0ab');
  });
});
