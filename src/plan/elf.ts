/**
 * The dynamic-linking facts of an ELF file: its interpreter (PT_INTERP), the libraries it asks for
 * (DT_NEEDED) and where it says to look for them (DT_RPATH, DT_RUNPATH). 32- and 64-bit, little-endian.
 *
 * The file is untrusted: every offset, size and count it states is checked against fixed caps before it is
 * used, so a truncated, garbled or hostile file yields `undefined` or fewer names, never an exception, a
 * huge allocation or a long loop.
 */

/** Up to `length` bytes from `offset` on; fewer (or none) past the end of the file. */
export type ReadAt = (offset: number, length: number) => Uint8Array | undefined;

export interface ElfDeps {
  readonly bits: 32 | 64;
  /** e_machine: 62 x86-64, 3 i386, 183 AArch64, 40 ARM … */
  readonly machine: number;
  /** The program interpreter (the dynamic loader), for executables and for libc.so.6 itself. */
  readonly interp?: string;
  readonly needed: readonly string[];
  /** DT_RPATH entries, in order; the loader ignores them when DT_RUNPATH is present. */
  readonly rpath: readonly string[];
  readonly runpath: readonly string[];
}

const HEAD_BYTES = 2048; // the ELF header and, in practice, every program header
const MAX_PHNUM = 512;
const MAX_DYN_BYTES = 64 * 1024; // 4,096 64-bit entries; real files have a few dozen
const MAX_NAMES = 256; // DT_NEEDED entries; real libraries have a few dozen at most
const MAX_PATHS = 16; // DT_RPATH and DT_RUNPATH entries; the loader honours one of each
const MAX_STRING = 4096; // PATH_MAX: no soname or search path is longer
const MAX_STRTAB_SPAN = 256 * 1024; // beyond this, names are read one by one

const PT_LOAD = 1;
const PT_DYNAMIC = 2;
const PT_INTERP = 3;
const DT_NULL = 0;
const DT_NEEDED = 1;
const DT_STRTAB = 5;
const DT_STRSZ = 10;
const DT_RPATH = 15;
const DT_RUNPATH = 29;

/** Little-endian fields of one buffer; a field that does not fit, or is beyond 2^53, reads as -1. */
class Fields {
  private readonly view: DataView;
  constructor(
    private readonly bytes: Uint8Array,
    private readonly bits: 32 | 64,
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }
  u16(off: number): number {
    return off >= 0 && off + 2 <= this.bytes.length ? this.view.getUint16(off, true) : -1;
  }
  u32(off: number): number {
    return off >= 0 && off + 4 <= this.bytes.length ? this.view.getUint32(off, true) : -1;
  }
  u64(off: number): number {
    if (off < 0 || off + 8 > this.bytes.length) return -1;
    const v = this.view.getBigUint64(off, true);
    return v > BigInt(Number.MAX_SAFE_INTEGER) ? -1 : Number(v);
  }
  /** A word: 4 bytes in a 32-bit file, 8 in a 64-bit one. */
  word(off: number): number {
    return this.bits === 64 ? this.u64(off) : this.u32(off);
  }
}

interface Segment {
  readonly type: number;
  readonly offset: number;
  readonly vaddr: number;
  readonly filesz: number;
}

function programHeaders(read: ReadAt, head: Uint8Array, f: Fields, bits: 32 | 64): Segment[] {
  const phoff = f.word(bits === 64 ? 32 : 28);
  const phentsize = f.u16(bits === 64 ? 54 : 42);
  const phnum = f.u16(bits === 64 ? 56 : 44);
  const minEntry = bits === 64 ? 56 : 32;
  if (phoff <= 0 || phentsize < minEntry || phentsize > 256 || phnum <= 0 || phnum > MAX_PHNUM) return [];
  const size = phentsize * phnum;
  const table = phoff + size <= head.length ? head.subarray(phoff, phoff + size) : read(phoff, size);
  if (table === undefined) return [];
  const t = new Fields(table, bits);
  const out: Segment[] = [];
  for (let i = 0; i < phnum && (i + 1) * phentsize <= table.length; i++) {
    const b = i * phentsize;
    const seg =
      bits === 64
        ? { type: t.u32(b), offset: t.u64(b + 8), vaddr: t.u64(b + 16), filesz: t.u64(b + 32) }
        : { type: t.u32(b), offset: t.u32(b + 4), vaddr: t.u32(b + 8), filesz: t.u32(b + 16) };
    if (seg.offset >= 0 && seg.vaddr >= 0 && seg.filesz >= 0) out.push(seg);
  }
  return out;
}

/** The NUL-terminated string at `off` of `bytes`, or undefined if it does not end inside. */
function cString(bytes: Uint8Array, off: number): string | undefined {
  if (off < 0 || off >= bytes.length) return undefined;
  const end = bytes.indexOf(0, off);
  if (end < 0 || end - off > MAX_STRING) return undefined;
  return new TextDecoder().decode(bytes.subarray(off, end));
}

/** The file offset of a virtual address, through the PT_LOAD segment that maps it from the file. */
function fileOffset(loads: readonly Segment[], vaddr: number): number | undefined {
  for (const s of loads) if (vaddr >= s.vaddr && vaddr < s.vaddr + s.filesz) return s.offset + (vaddr - s.vaddr);
  return undefined;
}

/** Whether `head` starts with ELF's magic number, \x7fELF. */
export function hasElfMagic(head: Uint8Array): boolean {
  return head[0] === 0x7f && head[1] === 0x45 && head[2] === 0x4c && head[3] === 0x46;
}

/** Reads the dynamic-linking facts of an ELF file; undefined if it is not a little-endian ELF executable or library. */
export function readElfDeps(read: ReadAt): ElfDeps | undefined {
  const head = read(0, HEAD_BYTES);
  if (head === undefined || head.length < 52) return undefined;
  if (!hasElfMagic(head)) return undefined;
  const bits: 32 | 64 | undefined = head[4] === 1 ? 32 : head[4] === 2 ? 64 : undefined;
  if (bits === undefined || head[5] !== 1 /* ELFDATA2LSB */) return undefined;
  const f = new Fields(head, bits);
  const type = f.u16(16);
  if (type !== 2 /* ET_EXEC */ && type !== 3 /* ET_DYN */) return undefined;
  const machine = f.u16(18);
  const segments = programHeaders(read, head, f, bits);

  let interp: string | undefined;
  const pin = segments.find((s) => s.type === PT_INTERP);
  if (pin !== undefined && pin.filesz > 1 && pin.filesz <= MAX_STRING) {
    const bytes = read(pin.offset, pin.filesz);
    if (bytes !== undefined) interp = cString(bytes, 0);
  }
  const base = { bits, machine, ...(interp !== undefined && interp !== '' ? { interp } : {}) };
  const empty: ElfDeps = { ...base, needed: [], rpath: [], runpath: [] };

  const dyn = segments.find((s) => s.type === PT_DYNAMIC);
  if (dyn === undefined) return empty; // statically linked
  const entrySize = bits === 64 ? 16 : 8;
  const table = read(dyn.offset, Math.min(dyn.filesz, MAX_DYN_BYTES));
  if (table === undefined) return empty;
  const d = new Fields(table, bits);
  const needed: number[] = [];
  const rpath: number[] = [];
  const runpath: number[] = [];
  let strtab = -1;
  let strsz = -1;
  for (let off = 0; off + entrySize <= table.length; off += entrySize) {
    const tag = d.word(off);
    const val = d.word(off + entrySize / 2);
    if (tag === DT_NULL) break;
    if (val < 0) continue;
    if (tag === DT_NEEDED && needed.length < MAX_NAMES) needed.push(val);
    else if (tag === DT_STRTAB) strtab = val;
    else if (tag === DT_STRSZ) strsz = val;
    else if (tag === DT_RPATH && rpath.length < MAX_PATHS) rpath.push(val);
    else if (tag === DT_RUNPATH && runpath.length < MAX_PATHS) runpath.push(val);
  }
  const loads = segments.filter((s) => s.type === PT_LOAD);
  const strOff = strtab < 0 ? undefined : fileOffset(loads, strtab);
  if (strOff === undefined || strsz <= 0) return empty;

  const wanted = [...needed, ...rpath, ...runpath].filter((o) => o < strsz);
  if (wanted.length === 0) return empty;
  const lo = Math.min(...wanted);
  const hi = Math.min(strsz, Math.max(...wanted) + MAX_STRING + 1);
  const span = hi - lo <= MAX_STRTAB_SPAN ? read(strOff + lo, hi - lo) : undefined;
  const stringAt = (o: number): string | undefined => {
    if (o >= strsz) return undefined;
    if (span !== undefined) return cString(span, o - lo);
    const one = read(strOff + o, Math.min(MAX_STRING + 1, strsz - o));
    return one === undefined ? undefined : cString(one, 0);
  };
  const names = (offs: number[]) => offs.map(stringAt).filter((s): s is string => s !== undefined && s !== '');
  const paths = (offs: number[]) => names(offs).flatMap((s) => s.split(':'));
  return { ...base, needed: names(needed), rpath: paths(rpath), runpath: paths(runpath) };
}

/** The ELF identification and where the file's ELF part ends: the end of its section header table. */
export interface ElfExtent {
  /** e_ident, the first 16 bytes (EI_CLASS at 4, EI_DATA at 5, EI_OSABI at 7, EI_ABIVERSION at 8 …). */
  readonly ident: Uint8Array;
  readonly bits: 32 | 64;
  /** e_shoff + e_shentsize × e_shnum: where an AppImage's runtime expects its file system image. */
  readonly end: number;
}

/**
 * The extent of an ELF file's own part, from its header alone (32- or 64-bit, either byte order); undefined
 * if `head` (the file's first bytes: 52 of them for a 32-bit file, 64 for a 64-bit one) is not an ELF header. The section header table
 * is last in the files linkers write, and what is appended after it (an AppImage's squashfs) starts there.
 */
export function readElfExtent(head: Uint8Array): ElfExtent | undefined {
  if (head.length < 52 || !hasElfMagic(head)) return undefined;
  const bits: 32 | 64 | undefined = head[4] === 1 ? 32 : head[4] === 2 ? 64 : undefined;
  const little = head[5] === 1 ? true : head[5] === 2 ? false : undefined;
  if (bits === undefined || little === undefined || (bits === 64 && head.length < 64)) return undefined;
  const v = new DataView(head.buffer, head.byteOffset, head.byteLength);
  const shoff = bits === 64 ? v.getBigUint64(0x28, little) : BigInt(v.getUint32(0x20, little));
  const shentsize = v.getUint16(bits === 64 ? 0x3a : 0x2e, little);
  const shnum = v.getUint16(bits === 64 ? 0x3c : 0x30, little);
  const end = shoff + BigInt(shentsize * shnum);
  if (end > BigInt(Number.MAX_SAFE_INTEGER)) return undefined;
  return { ident: head.slice(0, 16), bits, end: Number(end) };
}
