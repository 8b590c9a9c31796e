import { describe, expect, test } from 'bun:test';
import { existsSync, readFileSync } from 'node:fs';
import { readElfDeps, readElfExtent, type ReadAt } from './elf.ts';
import { buildElf } from './elf.fixture.ts';

/** A ReadAt over bytes that also checks the reader never asks for an absurd amount. */
function reader(bytes: Uint8Array, log: { calls: number; bytes: number } = { calls: 0, bytes: 0 }): ReadAt {
  return (offset, length) => {
    expect(Number.isSafeInteger(offset) && offset >= 0).toBe(true);
    expect(length).toBeLessThanOrEqual(256 * 1024 + 8192);
    log.calls++;
    log.bytes += length;
    return bytes.slice(offset, offset + length);
  };
}

/** A deterministic pseudo-random byte source (xorshift), so failures reproduce. */
function prng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) & 0xff;
  };
}

describe('readElfDeps', () => {
  test.each([64, 32] as const)('a %i-bit library: interpreter, needed names in order, search paths', (bits) => {
    const elf = buildElf({ bits, interp: '/lib64/ld-linux-x86-64.so.2', needed: ['libtinfo.so.6', 'libc.so.6'], rpath: '/opt/a:/opt/b', runpath: '$ORIGIN/../lib' });
    expect(readElfDeps(reader(elf))).toEqual({
      bits,
      machine: bits === 64 ? 62 : 3,
      interp: '/lib64/ld-linux-x86-64.so.2',
      needed: ['libtinfo.so.6', 'libc.so.6'],
      rpath: ['/opt/a', '/opt/b'],
      runpath: ['$ORIGIN/../lib'],
    });
  });

  test('a static executable has no interpreter and needs nothing', () => {
    expect(readElfDeps(reader(buildElf({ isStatic: true, type: 2 })))).toEqual({ bits: 64, machine: 62, needed: [], rpath: [], runpath: [] });
  });

  test('what is not a little-endian ELF executable or library is undefined', () => {
    const elf = buildElf({ needed: ['libc.so.6'] });
    const bigEndian = elf.slice();
    bigEndian[5] = 2;
    const badClass = elf.slice();
    badClass[4] = 3;
    const object = buildElf({ type: 1, needed: ['libc.so.6'] }); // ET_REL
    const script = new TextEncoder().encode('#!/bin/sh\necho hi\n');
    for (const b of [bigEndian, badClass, object, script, new Uint8Array()]) expect(readElfDeps(reader(b))).toBeUndefined();
    expect(readElfDeps(() => undefined)).toBeUndefined();
  });

  test('every truncation of a valid file is read without an exception, and never yields a name not in the file', () => {
    const elf = buildElf({ interp: '/lib64/ld.so', needed: ['liba.so.1', 'libb.so.2'], runpath: '/x' });
    for (let n = 0; n <= elf.length; n++) {
      const r = readElfDeps(reader(elf.subarray(0, n)));
      if (r === undefined) continue;
      for (const name of r.needed) expect(['liba.so.1', 'libb.so.2']).toContain(name);
      if (r.interp !== undefined) expect(r.interp).toBe('/lib64/ld.so');
    }
    expect(readElfDeps(reader(elf))?.needed).toEqual(['liba.so.1', 'libb.so.2']);
  });

  test('random bytes behind a valid ELF identification neither throw nor read much', () => {
    const next = prng(42);
    for (let i = 0; i < 500; i++) {
      const bytes = new Uint8Array(64 + (i % 7) * 300);
      for (let j = 0; j < bytes.length; j++) bytes[j] = next();
      bytes.set([0x7f, 0x45, 0x4c, 0x46, 1 + (i % 2), 1]);
      bytes[16] = 2 + (i % 2);
      bytes[17] = 0;
      const log = { calls: 0, bytes: 0 };
      expect(() => readElfDeps(reader(bytes, log))).not.toThrow();
      expect(log.calls).toBeLessThan(600);
    }
  });

  test('hostile sizes and counts are capped', () => {
    const elf = buildElf({ needed: ['libc.so.6'] });
    const v = new DataView(elf.buffer);
    // 65,535 program headers of an absurd size
    const many = elf.slice();
    new DataView(many.buffer).setUint16(56, 0xffff, true);
    expect(readElfDeps(reader(many))?.needed ?? []).toEqual([]);
    // a PT_DYNAMIC claiming 2^60 bytes, and a DT_STRSZ of 2^40
    const huge = elf.slice();
    const h = new DataView(huge.buffer);
    const phoff = Number(v.getBigUint64(32, true));
    for (let i = 0; i < v.getUint16(56, true); i++) {
      const ph = phoff + i * 56;
      if (h.getUint32(ph, true) === 2) h.setBigUint64(ph + 32, 1n << 60n, true);
    }
    const log = { calls: 0, bytes: 0 };
    expect(() => readElfDeps(reader(huge, log))).not.toThrow();
    expect(log.bytes).toBeLessThan(1 << 20);
  });

  test('a dynamic section without DT_NULL and with a thousand DT_NEEDED stays bounded', () => {
    const names = Array.from({ length: 1000 }, (_, i) => `lib${i}.so`);
    const r = readElfDeps(reader(buildElf({ needed: names })));
    expect(r?.needed.length).toBeLessThanOrEqual(256);
    expect(r?.needed.slice(0, 3)).toEqual(['lib0.so', 'lib1.so', 'lib2.so']);
  });

  test.skipIf(!existsSync('/bin/true'))('the host: /bin/true needs libc', () => {
    const bytes = new Uint8Array(readFileSync('/bin/true'));
    const r = readElfDeps(reader(bytes));
    expect(r?.needed).toContain('libc.so.6');
    expect(r?.interp).toMatch(/^\/lib.*ld-linux/);
  });
});

describe('readElfExtent', () => {
  /** An ELF header alone, with the section header table's offset, entry size and count in `little` or big byte order. */
  function header(bits: 32 | 64, little: boolean, shoff: number, shentsize: number, shnum: number): Uint8Array {
    const h = new Uint8Array(64);
    h.set([0x7f, 0x45, 0x4c, 0x46, bits === 64 ? 2 : 1, little ? 1 : 2, 1, 0, 0x41, 0x49, 0x02]);
    const v = new DataView(h.buffer);
    if (bits === 64) v.setBigUint64(0x28, BigInt(shoff), little);
    else v.setUint32(0x20, shoff, little);
    v.setUint16(bits === 64 ? 0x3a : 0x2e, shentsize, little);
    v.setUint16(bits === 64 ? 0x3c : 0x30, shnum, little);
    return h;
  }

  test.each([
    [64, true],
    [64, false],
    [32, true],
    [32, false],
  ] as const)('%i-bit, little-endian %p: the end of the section header table, and the identification', (bits, little) => {
    const e = readElfExtent(header(bits, little, 35_000, bits === 64 ? 64 : 40, 30));
    expect(e?.end).toBe(35_000 + (bits === 64 ? 64 : 40) * 30);
    expect(e?.bits).toBe(bits);
    expect([...(e?.ident.subarray(8, 11) ?? [])]).toEqual([0x41, 0x49, 2]);
  });

  test('not an ELF header: wrong magic, class or byte order, or too short', () => {
    const good = header(64, true, 100, 64, 1);
    expect(readElfExtent(good)?.end).toBe(164);
    for (const [at, value] of [[0, 0], [4, 3], [5, 0]] as const) {
      const bad = good.slice();
      bad[at] = value;
      expect(readElfExtent(bad)).toBeUndefined();
    }
    expect(readElfExtent(good.subarray(0, 60))).toBeUndefined();
    expect(readElfExtent(header(32, true, 100, 40, 1).subarray(0, 52))?.end).toBe(140);
  });

  test.skipIf(!existsSync('/usr/bin/true'))('a real executable: its section header table ends the file', () => {
    const bytes = readFileSync('/usr/bin/true');
    expect(readElfExtent(bytes.subarray(0, 64))?.end).toBe(bytes.length);
  });
});
