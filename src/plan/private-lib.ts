/**
 * private-lib: every library directory (/usr/lib, /usr/lib64, /lib … those that are real directories on
 * the host) becomes a read-only tmpfs holding only
 *  - the libraries the program needs, found by following DT_NEEDED from it, and its loader (PT_INTERP);
 *    for a script, those of its interpreter; with private-bin, those of every listed program too;
 *  - the files and directories the private-lib list names (relative to a library directory, or absolute;
 *    a directory comes whole, a library brings what it needs);
 *  - what programs load at run time without naming it (RUNTIME_LIBS, RUNTIME_DIRS, the NSS modules of
 *    /etc/nsswitch.conf, and RUNTIME_DATA for a few interpreters and libraries in use);
 *  - the program itself, when it lives in a library directory: its package directory, whole.
 * Each brought-in name is a read-only bind of itself; a symlink (libfoo.so.1 → libfoo.so.1.2.3) is
 * recreated, and its target bound. Nothing under a directory that comes whole is bound again.
 */
import type { FsView } from '../host/fsview.ts';
import type { ElfDeps } from './elf.ts';
import type { FsContext } from './fs-context.ts';
import { expandGlob, hasGlob } from './glob.ts';
import { ALL_TRIPLETS, hostAbi, LibrarySearch, loaded, tripletOf, type Abi, type Loaded } from './lib-search.ts';
import { parseShebang } from './private-bin.ts';
import { comparePaths, parentOf } from './tree.ts';

/** The directories replaced, where they are real directories (not symlinks into /usr). */
const LIB_DIRS = ['/lib', '/lib32', '/lib64', '/libx32', '/usr/lib', '/usr/lib32', '/usr/lib64', '/usr/libx32', '/usr/local/lib'];
const BIN_DIRS = ['/usr/local/bin', '/usr/local/sbin', '/usr/bin', '/usr/sbin', '/usr/games', '/bin', '/sbin'];

/**
 * Libraries programs load with dlopen, so no ELF walk finds them. Each costs a bind (about 0.15 ms) in
 * every private-lib sandbox, so the list is short.
 */
const RUNTIME_LIBS: readonly string[] = [
  // kiln's init stage is kiln itself, a Bun executable linking these; it runs inside the sandbox when the
  // plan has in-sandbox remounts, whatever the program links.
  'libc.so.6',
  'libm.so.6',
  'libpthread.so.0',
  'libdl.so.2',
  // glibc dlopens it to unwind the stack for pthread_cancel and pthread_exit, and for backtrace().
  'libgcc_s.so.1',
  // ls, cp, id, stat, sed, find … link it (and libpcre2): what a profile's shell most often runs besides
  // the program. Firejail's private /lib has it as well, as a library of its own helpers.
  'libselinux.so.1',
];

/** Names in the library directories: iconv's converters, and the compiled locales (locale-archive, C.utf8). */
const RUNTIME_DIRS: readonly string[] = ['gconv', 'locale'];

/**
 * Data loaded by path at run time from the library directories, brought in when in use: `when` is matched
 * against the program's file name and every library name needed, `$1` in `bring` is its first group.
 * `modules` are directories of ELF modules loaded with dlopen, whose own libraries come too.
 */
const RUNTIME_DATA: readonly { readonly when: RegExp; readonly bring: readonly string[]; readonly modules?: readonly string[] }[] = [
  // Python's standard library and C extension modules (/usr/lib/python3.11), Debian's dist-packages.
  { when: /^(?:lib)?python(3\.\d+)(?:\.so\b.*)?$/, bring: ['python$1', 'python3'], modules: ['python$1/lib-dynload'] },
  // Perl's modules (Debian: perl-base, perl5 and perl/5.x in the multiarch directory).
  { when: /^(?:lib)?perl(?:5[\d.]*)?(?:\.so\b.*)?$/, bring: ['perl-base', 'perl5', 'perl'] },
  // OpenSSL's directory (OPENSSLDIR on Debian): openssl.cnf and the links to the CA certificates.
  { when: /^lib(?:ssl|crypto)\.so\.(?:3|1\.1)$/, bring: ['ssl'] },
];

const NSSWITCH = '/etc/nsswitch.conf';

/** The NSS services /etc/nsswitch.conf names (files, dns, systemd …); glibc's defaults if there is none. */
function nssServices(fs: FsView): string[] {
  const bytes = fs.read(NSSWITCH, 64 * 1024);
  if (bytes === undefined) return ['files', 'dns'];
  const out = new Set<string>();
  for (const line of new TextDecoder().decode(bytes).split('\n')) {
    const body = line.replace(/#.*/, '');
    const colon = body.indexOf(':');
    if (colon < 0) continue;
    for (const word of body.slice(colon + 1).replace(/\[[^\]]*\]/g, ' ').split(/\s+/)) if (/^[A-Za-z0-9_-]+$/.test(word)) out.add(word);
  }
  return [...out];
}

type Shown = 'file' | 'dir' | { readonly symlink: string };

interface Pending {
  readonly path: string;
  /** The program whose libraries these are (its DT_RPATH applies); absent for the program itself. */
  readonly exe?: Loaded;
  readonly isExe?: true;
}

/** The walk from the program and the list to the set of names the library directories must show. */
class LibTree {
  readonly shown = new Map<string, Shown>();
  /** Library directories the list names whole: they are not replaced. */
  readonly kept = new Set<string>();
  readonly missing: string[] = [];
  private readonly search: LibrarySearch;
  private readonly queue: Pending[] = [];
  private readonly visited = new Set<string>();
  /** Library names needed and program file names seen, for RUNTIME_DATA. */
  readonly names = new Set<string>();
  private readonly itemDirs: string[];

  constructor(
    private readonly fs: FsView,
    private readonly libDirs: readonly string[],
    readonly abi: Abi,
  ) {
    this.search = new LibrarySearch(fs);
    const t = tripletOf(abi);
    const dirs = [...(t === undefined ? [] : [`/usr/lib/${t}`, `/lib/${t}`]), '/usr/lib64', '/lib64', '/usr/lib', '/lib', '/usr/local/lib'];
    this.itemDirs = [...new Set(dirs.map((d) => fs.realpath(d)).filter((d): d is string => d !== undefined && fs.lstat(d)?.type === 'dir'))];
  }

  private libDirOf(path: string): string | undefined {
    return this.libDirs.find((d) => path.startsWith(`${d}/`));
  }

  /**
   * Makes `path` appear in the sandbox as on the host; returns its canonical target, if it exists. `known`
   * spares a stat: the caller has read the target as an ELF file.
   */
  show(path: string, known?: 'file'): string | undefined {
    const slash = path.lastIndexOf('/');
    const dir = slash <= 0 ? '/' : this.fs.realpath(path.slice(0, slash));
    if (dir === undefined || slash < 0) return undefined;
    const at = `${dir === '/' ? '' : dir}/${path.slice(slash + 1)}`;
    // NOTE: realpath, not lstat, tells a link from its target here: the FsView answers a third lstat in
    // one directory by listing it, and /usr/lib/x86_64-linux-gnu has a thousand entries or more.
    const real = this.fs.realpath(at);
    if (real === undefined) return undefined;
    // A link to its neighbour stays relative, as libraries' links are on the host.
    if (real !== at && this.libDirOf(at) !== undefined) this.shown.set(at, { symlink: parentOf(real) === dir ? real.slice(dir.length + 1) : real });
    if (this.libDirs.includes(real)) this.kept.add(real);
    else if (this.libDirOf(real) !== undefined) this.shown.set(real, known ?? (this.fs.lstat(real)?.type === 'dir' ? 'dir' : 'file'));
    return real;
  }

  /** The program (or a private-bin program): its libraries, or for a script its interpreter's. */
  addProgram(path: string, depth = 0): void {
    const real = this.fs.realpath(path);
    if (real === undefined || this.fs.lstat(real)?.type !== 'file') return;
    this.names.add(real.slice(real.lastIndexOf('/') + 1));
    this.showPackage(real);
    if (this.search.elf(real) !== undefined) {
      this.queue.push({ path: real, isExe: true });
      return;
    }
    const interp = depth < 4 ? parseShebang(this.fs.read(real, 256) ?? new Uint8Array()) : undefined;
    if (interp === undefined) return;
    const [prog, arg] = interp as [string, ...string[]];
    this.addProgram(prog, depth + 1);
    if (prog.endsWith('/env') && arg !== undefined && !arg.startsWith('-')) {
      const found = BIN_DIRS.map((d) => `${d}/${arg}`).find((p) => this.fs.lstat(p) !== undefined);
      if (found !== undefined) this.addProgram(found, depth + 1);
    }
  }

  /** A program inside a library directory (/usr/lib/firefox/firefox) brings its package directory. */
  private showPackage(real: string): void {
    const lib = this.libDirOf(real);
    if (lib === undefined) return;
    const parts = real.slice(lib.length + 1).split('/');
    const depth = ALL_TRIPLETS.includes(parts[0] ?? '') ? 2 : 1;
    this.show(parts.length <= depth ? real : `${lib}/${parts.slice(0, depth).join('/')}`);
  }

  /** The host paths a list item names: relative to each library directory, or absolute; globs expanded. */
  resolveItem(item: string): string[] {
    const patterns = item.startsWith('/') ? [item] : this.itemDirs.map((d) => `${d}/${item}`);
    const found = new Set<string>();
    for (const p of patterns) for (const m of hasGlob(p) ? expandGlob(p, this.fs) : this.fs.realpath(p) !== undefined ? [p] : []) found.add(m);
    return [...found];
  }

  /** A list item: a directory whole, a file (a library's own libraries too). */
  addItem(item: string, required: boolean): void {
    const matches = this.resolveItem(item);
    if (matches.length === 0 && required) this.missing.push(item);
    for (const m of matches) {
      const real = this.show(m);
      if (real !== undefined && this.fs.lstat(real)?.type === 'file') this.queue.push({ path: m });
    }
  }

  /** A library by name, as the loader would find it for a program of the host's ABI. */
  addLibrary(name: string): void {
    const none: ElfDeps = { ...this.abi, needed: [], rpath: [], runpath: [] };
    for (const p of this.search.find(name, { deps: none, origin: '/' })) this.queue.push({ path: p });
  }

  /** Every ELF file directly in `dir`: modules loaded with dlopen. */
  addModules(dir: string): void {
    for (const d of this.resolveItem(dir)) {
      const real = this.fs.realpath(d);
      if (real === undefined) continue;
      for (const name of this.fs.list(real) ?? []) if (name.endsWith('.so')) this.queue.push({ path: `${real}/${name}` });
    }
  }

  /** Follows DT_NEEDED (and PT_INTERP) from everything queued. */
  walk(): void {
    for (let next = this.queue.shift(); next !== undefined; next = this.queue.shift()) {
      const target = this.fs.realpath(next.path);
      const deps = target === undefined ? undefined : this.search.elf(target);
      // Not ELF (a listed data file, a linker script, a PT_INTERP naming a directory): nothing more to bring.
      if (deps === undefined) continue;
      const real = this.show(next.path, 'file');
      if (real === undefined || this.visited.has(real)) continue;
      this.visited.add(real);
      const self = loaded(deps, next.isExe ? real : next.path);
      const exe = next.exe ?? self;
      if (deps.interp !== undefined) this.queue.push({ path: deps.interp, exe });
      for (const name of deps.needed) {
        this.names.add(name);
        const found = this.search.find(name, self, exe);
        if (found.length === 0) this.missing.push(`${name} (needed by ${real})`);
        for (const p of found) this.queue.push({ path: p, exe });
      }
    }
  }
}

function findProgram(fs: FsView, name: string): string | undefined {
  return BIN_DIRS.map((d) => `${d}/${name}`).find((p) => {
    const info = fs.lstat(p);
    return info !== undefined && info.type !== 'dir';
  });
}

export function planPrivateLib(ctx: FsContext, program: string | undefined): void {
  const list = ctx.policy.privateLib;
  if (list === undefined) return;
  const { fs, tree } = ctx;
  const libDirs = LIB_DIRS.filter((d) => fs.lstat(d)?.type === 'dir' && fs.realpath(d) === d);
  if (libDirs.length === 0) return;
  const t = new LibTree(fs, libDirs, hostAbi(ctx.facts.arch));

  if (program !== undefined) t.addProgram(program);
  for (const name of ctx.policy.privateBin ?? []) {
    const found = findProgram(fs, name.slice(name.lastIndexOf('/') + 1));
    if (found !== undefined) t.addProgram(found);
  }
  for (const item of list) t.addItem(item, true);
  for (const name of RUNTIME_LIBS) t.addLibrary(name);
  for (const svc of nssServices(fs)) t.addLibrary(`libnss_${svc}.so.2`);
  for (const dir of RUNTIME_DIRS) t.addItem(dir, false);
  // Modules bring libraries, and a library may call for more data: until nothing new is called for.
  const pending = new Set(RUNTIME_DATA);
  for (let more = true; more; ) {
    t.walk();
    more = false;
    for (const rule of pending) {
      let m: RegExpExecArray | null = null;
      for (const n of t.names) if ((m = rule.when.exec(n)) !== null) break;
      if (m === null) continue;
      pending.delete(rule);
      more = true;
      const sub = (s: string) => s.replace('$1', m[1] ?? '');
      for (const b of rule.bring) t.addItem(sub(b), false);
      for (const d of rule.modules ?? []) t.addModules(sub(d));
    }
  }
  for (const m of t.missing) ctx.missing.push(`private-lib: ${m}`);

  const replaced = libDirs.filter((d) => !t.kept.has(d));
  const whole = [...t.shown].filter(([, s]) => s === 'dir').map(([p]) => p);
  const entries = new Map(
    [...t.shown].filter(([p]) => !whole.some((d) => p.startsWith(`${d}/`)) && replaced.some((d) => p.startsWith(`${d}/`))),
  );
  // The directories on the way (x86_64-linux-gnu) get the host's permissions; bwrap would make them 0700.
  const parents = new Map<string, number>();
  for (const path of entries.keys()) {
    for (let p = parentOf(path); !replaced.includes(p) && p !== '/'; p = parentOf(p)) parents.set(p, (fs.lstat(p)?.mode ?? 0o755) & 0o7777);
  }
  for (const d of replaced) tree.mount(d, { kind: 'tmpfs', perms: (fs.lstat(d)?.mode ?? 0o755) & 0o7777 });
  for (const path of [...parents.keys(), ...entries.keys()].sort(comparePaths)) {
    const s = entries.get(path);
    if (s === undefined) tree.mount(path, { kind: 'dir', perms: parents.get(path) ?? 0o755 });
    else if (typeof s === 'object') tree.mount(path, { kind: 'symlink', target: s.symlink });
    else tree.mount(path, { kind: 'host', src: path }, { ro: true });
  }
  for (const d of replaced) tree.setFlag(d, 'ro');
  ctx.privateLib.push(...[...entries.keys()].sort(comparePaths));
}
