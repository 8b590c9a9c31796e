/**
 * Test fixtures: minimal ELF files and ld.so.cache images, built byte by byte, for the ELF reader and the
 * private-lib planner's tests. Not used by kiln itself.
 */

export interface ElfSpec {
  readonly bits?: 32 | 64;
  readonly machine?: number;
  readonly type?: number;
  readonly interp?: string;
  readonly needed?: readonly string[];
  readonly rpath?: string;
  readonly runpath?: string;
  /** No PT_DYNAMIC at all: a static executable. */
  readonly isStatic?: boolean;
}

const LOAD_BASE = 0x10000; // vaddr = file offset + LOAD_BASE, so the reader must translate

/** A little-endian ELF executable or library with the given dynamic-linking facts. */
export function buildElf(spec: ElfSpec = {}): Uint8Array {
  const bits = spec.bits ?? 64;
  const w = bits === 64 ? 8 : 4;
  const ehsize = bits === 64 ? 64 : 52;
  const phentsize = bits === 64 ? 56 : 32;
  const strings: number[] = [0];
  const add = (s: string): number => {
    const off = strings.length;
    strings.push(...new TextEncoder().encode(s), 0);
    return off;
  };
  const dyn: [number, number][] = [];
  for (const n of spec.needed ?? []) dyn.push([1, add(n)]);
  if (spec.rpath !== undefined) dyn.push([15, add(spec.rpath)]);
  if (spec.runpath !== undefined) dyn.push([29, add(spec.runpath)]);
  const interp = spec.interp === undefined ? undefined : [...new TextEncoder().encode(spec.interp), 0];
  const phnum = 1 + (interp !== undefined ? 1 : 0) + (spec.isStatic ? 0 : 1);
  const interpOff = ehsize + phnum * phentsize;
  const strOff = interpOff + (interp?.length ?? 0);
  const dynOff = strOff + strings.length + ((8 - ((strOff + strings.length) % 8)) % 8);
  dyn.push([5, strOff + LOAD_BASE], [10, strings.length], [0, 0]);
  const size = dynOff + dyn.length * 2 * w;
  const buf = new Uint8Array(size);
  const v = new DataView(buf.buffer);
  const word = (off: number, x: number) => (bits === 64 ? v.setBigUint64(off, BigInt(x), true) : v.setUint32(off, x, true));
  buf.set([0x7f, 0x45, 0x4c, 0x46, bits === 64 ? 2 : 1, 1, 1]);
  v.setUint16(16, spec.type ?? 3, true);
  v.setUint16(18, spec.machine ?? (bits === 64 ? 62 : 3), true);
  v.setUint32(20, 1, true);
  word(bits === 64 ? 32 : 28, ehsize); // e_phoff
  v.setUint16(bits === 64 ? 52 : 40, ehsize, true);
  v.setUint16(bits === 64 ? 54 : 42, phentsize, true);
  v.setUint16(bits === 64 ? 56 : 44, phnum, true);
  let ph = ehsize;
  const phdr = (type: number, offset: number, filesz: number, vaddr: number) => {
    v.setUint32(ph, type, true);
    if (bits === 64) {
      v.setBigUint64(ph + 8, BigInt(offset), true);
      v.setBigUint64(ph + 16, BigInt(vaddr), true);
      v.setBigUint64(ph + 32, BigInt(filesz), true);
      v.setBigUint64(ph + 40, BigInt(filesz), true);
    } else {
      v.setUint32(ph + 4, offset, true);
      v.setUint32(ph + 8, vaddr, true);
      v.setUint32(ph + 16, filesz, true);
      v.setUint32(ph + 20, filesz, true);
    }
    ph += phentsize;
  };
  if (interp !== undefined) phdr(3, interpOff, interp.length, interpOff + LOAD_BASE);
  phdr(1, 0, size, LOAD_BASE);
  if (!spec.isStatic) phdr(2, dynOff, dyn.length * 2 * w, dynOff + LOAD_BASE);
  if (interp !== undefined) buf.set(interp, interpOff);
  buf.set(strings, strOff);
  dyn.forEach(([tag, val], i) => {
    word(dynOff + i * 2 * w, tag);
    word(dynOff + i * 2 * w + w, val);
  });
  return buf;
}

/** An ld.so.cache in glibc's new format; `old` puts an empty old-format table in front, as compat files have. */
export function buildLdCache(entries: readonly (readonly [string, string])[], old = false): Uint8Array {
  const enc = new TextEncoder();
  const header = 48;
  const strStart = header + entries.length * 24;
  const strs: number[] = [];
  const offs = entries.map(([k, val]) => {
    const ko = strStart + strs.length;
    strs.push(...enc.encode(k), 0);
    const vo = strStart + strs.length;
    strs.push(...enc.encode(val), 0);
    return [ko, vo] as const;
  });
  const buf = new Uint8Array(strStart + strs.length);
  const v = new DataView(buf.buffer);
  buf.set(enc.encode('glibc-ld.so.cache1.1'));
  v.setUint32(20, entries.length, true);
  v.setUint32(24, strs.length, true);
  offs.forEach(([ko, vo], i) => {
    const e = header + i * 24;
    v.setInt32(e, 0x0303, true);
    v.setUint32(e + 4, ko, true);
    v.setUint32(e + 8, vo, true);
  });
  buf.set(strs, strStart);
  if (!old) return buf;
  const prefix = new Uint8Array(16);
  prefix.set(enc.encode('ld.so-1.7.0'));
  const out = new Uint8Array(prefix.length + buf.length);
  out.set(prefix);
  out.set(buf, prefix.length);
  return out;
}
