/**
 * Where the dynamic loader finds a library, asked of the host's FsView: the object's DT_RPATH (and the
 * program's), its DT_RUNPATH, /etc/ld.so.cache, then the loader's default directories, taking the first
 * file whose ELF class and machine suit the object asking. LD_LIBRARY_PATH is not consulted: planning does
 * not read the environment beyond the few variables that key the plan cache.
 */
import type { FsView } from '../host/fsview.ts';
import { readElfDeps, type ElfDeps } from './elf.ts';
import { parseLdCache } from './ld-cache.ts';
import { parentOf } from './tree.ts';

export interface Abi {
  readonly bits: 32 | 64;
  readonly machine: number;
}

/** Bun's process.arch → the ELF class and machine of the host's own programs. */
const ARCH_ABI: Readonly<Record<string, Abi>> = {
  x64: { bits: 64, machine: 62 },
  arm64: { bits: 64, machine: 183 },
  ia32: { bits: 32, machine: 3 },
  arm: { bits: 32, machine: 40 },
  riscv64: { bits: 64, machine: 243 },
  ppc64: { bits: 64, machine: 21 },
  s390x: { bits: 64, machine: 22 },
};

/** Debian's multiarch directory names, by ELF class and machine. */
const TRIPLETS: Readonly<Record<string, string>> = {
  '64/62': 'x86_64-linux-gnu',
  '32/62': 'x86_64-linux-gnux32',
  '32/3': 'i386-linux-gnu',
  '64/183': 'aarch64-linux-gnu',
  '32/40': 'arm-linux-gnueabihf',
  '64/243': 'riscv64-linux-gnu',
  '64/21': 'powerpc64le-linux-gnu',
  '64/22': 's390x-linux-gnu',
};

export const ALL_TRIPLETS: readonly string[] = Object.values(TRIPLETS);

export function hostAbi(arch: string): Abi {
  return ARCH_ABI[arch] ?? { bits: 64, machine: 62 };
}

export function tripletOf(abi: Abi): string | undefined {
  return TRIPLETS[`${abi.bits}/${abi.machine}`];
}

/** The loader's own directories after ld.so.cache: the multiarch pair first (Debian), then lib64 (Fedora). */
export function defaultDirs(abi: Abi): string[] {
  const t = tripletOf(abi);
  const own = abi.bits === 64 ? ['/lib64', '/usr/lib64'] : abi.machine === 62 ? ['/libx32', '/usr/libx32'] : ['/lib32', '/usr/lib32'];
  return [...(t === undefined ? [] : [`/lib/${t}`, `/usr/lib/${t}`]), ...own, '/lib', '/usr/lib'];
}

/** An object the loader has mapped: its ELF facts and its directory, for $ORIGIN. */
export interface Loaded {
  readonly deps: ElfDeps;
  readonly origin: string;
}

const LD_CACHE = '/etc/ld.so.cache';
const LD_CACHE_LIMIT = 16 * 1024 * 1024;

/** A search path's entries with $ORIGIN expanded; relative entries and other $TOKENs are dropped. */
function expandPath(entries: readonly string[], origin: string): string[] {
  return entries
    .map((e) => e.replace(/\$ORIGIN|\$\{ORIGIN\}/g, origin).replace(/\/+$/, ''))
    .filter((e) => e.startsWith('/') && !e.includes('$'));
}

export class LibrarySearch {
  private readonly elfs = new Map<string, ElfDeps | undefined>();
  private cache: Map<string, string[]> | undefined;

  constructor(private readonly fs: FsView) {}

  /**
   * The ELF facts of a file (by canonical path), read once. NOTE: no stat first: a third lstat in one
   * directory makes the FsView list it (a thousand names in the multiarch directory), and the read itself
   * fails on a directory, FIFO or socket (the FsView opens non-blocking and seeks).
   */
  elf(real: string): ElfDeps | undefined {
    if (!this.elfs.has(real)) this.elfs.set(real, readElfDeps((o, l) => this.fs.readAt(real, o, l)));
    return this.elfs.get(real);
  }

  /** Whether `path` leads to an ELF object of this ABI. */
  suits(path: string, abi: Abi): boolean {
    const real = this.fs.realpath(path);
    const deps = real === undefined ? undefined : this.elf(real);
    return deps !== undefined && deps.bits === abi.bits && deps.machine === abi.machine;
  }

  private ldCache(): Map<string, string[]> {
    this.cache ??= parseLdCache(this.fs.read(LD_CACHE, LD_CACHE_LIMIT) ?? new Uint8Array());
    return this.cache;
  }

  /**
   * The paths the loader may open for `name` needed by `obj` (of the program `exe`). Usually one; every
   * suitable ld.so.cache entry, since the loader picks among hardware-capability variants at run time.
   */
  find(name: string, obj: Loaded, exe: Loaded = obj): string[] {
    const abi = { bits: obj.deps.bits, machine: obj.deps.machine };
    if (name.includes('/')) return name.startsWith('/') && this.suits(name, abi) ? [name] : [];
    const dirs: string[] = [];
    // NOTE: DT_RPATH counts only while the object has no DT_RUNPATH; the program's DT_RPATH then applies
    // to its libraries too (the loader walks the chain of loaders; kiln looks at the two ends).
    if (obj.deps.runpath.length === 0) {
      dirs.push(...expandPath(obj.deps.rpath, obj.origin));
      if (exe !== obj && exe.deps.runpath.length === 0) dirs.push(...expandPath(exe.deps.rpath, exe.origin));
    }
    dirs.push(...expandPath(obj.deps.runpath, obj.origin));
    for (const d of dirs) if (this.suits(`${d}/${name}`, abi)) return [`${d}/${name}`];
    const cached = (this.ldCache().get(name) ?? []).filter((p) => this.suits(p, abi));
    if (cached.length > 0) return cached;
    for (const d of defaultDirs(abi)) if (this.suits(`${d}/${name}`, abi)) return [`${d}/${name}`];
    return [];
  }
}

/** What the loader knows of an object it opened as `path`: $ORIGIN is that path's directory. */
export function loaded(deps: ElfDeps, path: string): Loaded {
  return { deps, origin: parentOf(path) };
}
