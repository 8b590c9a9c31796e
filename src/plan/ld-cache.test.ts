import { describe, expect, test } from 'bun:test';
import { existsSync, readFileSync } from 'node:fs';
import { buildLdCache } from './elf.fixture.ts';
import { parseLdCache } from './ld-cache.ts';

describe('parseLdCache', () => {
  const entries = [
    ['libc.so.6', '/lib/x86_64-linux-gnu/libc.so.6'],
    ['libz.so.1', '/lib/x86_64-linux-gnu/glibc-hwcaps/x86-64-v3/libz.so.1'],
    ['libz.so.1', '/lib/x86_64-linux-gnu/libz.so.1'],
  ] as const;

  test.each([false, true])('names map to their paths in order (old table in front: %p)', (old) => {
    const m = parseLdCache(buildLdCache(entries, old));
    expect(m.get('libc.so.6')).toEqual(['/lib/x86_64-linux-gnu/libc.so.6']);
    expect(m.get('libz.so.1')).toEqual(['/lib/x86_64-linux-gnu/glibc-hwcaps/x86-64-v3/libz.so.1', '/lib/x86_64-linux-gnu/libz.so.1']);
  });

  test('a truncated, empty or foreign file yields what it can, without an exception', () => {
    const full = buildLdCache(entries);
    for (let n = 0; n <= full.length; n++) expect(() => parseLdCache(full.subarray(0, n))).not.toThrow();
    expect(parseLdCache(new Uint8Array()).size).toBe(0);
    expect(parseLdCache(new TextEncoder().encode('not a cache at all, but long enough to have a header')).size).toBe(0);
  });

  test('an entry count beyond the file and offsets outside it are ignored', () => {
    const bytes = buildLdCache(entries);
    const v = new DataView(bytes.buffer);
    v.setUint32(20, 0xffffffff, true);
    v.setUint32(48 + 4, 0xfffffff0, true); // the first key points far outside
    const m = parseLdCache(bytes);
    expect(m.has('libc.so.6')).toBe(false);
    expect(m.get('libz.so.1')?.length).toBe(2);
  });

  test.skipIf(!existsSync('/etc/ld.so.cache'))('the host cache knows libc', () => {
    const m = parseLdCache(new Uint8Array(readFileSync('/etc/ld.so.cache')));
    expect(m.get('libc.so.6')?.some((p) => p.endsWith('/libc.so.6'))).toBe(true);
  });
});
