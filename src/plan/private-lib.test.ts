import { describe, expect, test } from 'bun:test';
import type { HostFacts } from '../host/facts.ts';
import { fakeFsView, type PathType } from '../host/fsview.ts';
import { emptyPolicy, type Policy } from '../policy/policy.ts';
import { buildElf, buildLdCache, type ElfSpec } from './elf.fixture.ts';
import { newContext } from './fs-context.ts';
import { planPrivateLib } from './private-lib.ts';

type Entry = PathType | { readonly symlink: string };
const ML = '/usr/lib/x86_64-linux-gnu';
const LD = '/lib64/ld-linux-x86-64.so.2';
const exe = (needed: string[], more: ElfSpec = {}) => buildElf({ interp: LD, needed, ...more });

/** A merged-/usr Debian-like host: glibc, an unrelated library, gconv, locales, nsswitch. */
function debianHost(): { entries: Record<string, Entry>; contents: Record<string, string | Uint8Array> } {
  return {
    entries: {
      '/lib': { symlink: 'usr/lib' },
      '/lib64': { symlink: 'usr/lib64' },
      '/bin': { symlink: 'usr/bin' },
      '/usr/lib64/ld-linux-x86-64.so.2': { symlink: `/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2` },
      [`${ML}/ld-linux-x86-64.so.2`]: 'file',
      [`${ML}/libc.so.6`]: 'file',
      [`${ML}/libm.so.6`]: 'file',
      [`${ML}/libtinfo.so.6`]: { symlink: 'libtinfo.so.6.4' },
      [`${ML}/libtinfo.so.6.4`]: 'file',
      [`${ML}/libunused.so.1`]: 'file',
      [`${ML}/libnss_files.so.2`]: 'file',
      [`${ML}/gconv/UTF-16.so`]: 'file',
      [`${ML}/gconv/gconv-modules`]: 'file',
      '/usr/lib/locale/C.utf8/LC_CTYPE': 'file',
      '/usr/lib/os-release': 'file',
      '/usr/local/lib/python3.11/dist-packages': 'dir',
      '/usr/bin/bash': 'file',
      '/usr/bin/ls': 'file',
      '/usr/bin/script': 'file',
      '/etc/nsswitch.conf': 'file',
    },
    contents: {
      [`${ML}/ld-linux-x86-64.so.2`]: buildElf({}),
      [`${ML}/libc.so.6`]: buildElf({ interp: LD, needed: ['ld-linux-x86-64.so.2'] }),
      [`${ML}/libm.so.6`]: buildElf({ needed: ['libc.so.6'] }),
      [`${ML}/libtinfo.so.6.4`]: buildElf({ needed: ['libc.so.6'] }),
      [`${ML}/libunused.so.1`]: buildElf({ needed: ['libc.so.6'] }),
      [`${ML}/libnss_files.so.2`]: buildElf({ needed: ['libc.so.6'] }),
      '/usr/bin/bash': exe(['libtinfo.so.6', 'libc.so.6']),
      '/usr/bin/ls': exe(['libm.so.6', 'libc.so.6']),
      '/usr/bin/script': '#!/bin/bash -e\necho hi\n',
      '/etc/nsswitch.conf': '# comment\npasswd: files [NOTFOUND=return] nosuchmodule\nhosts: files dns\n',
    },
  };
}

function plan(
  host: { entries: Record<string, Entry>; contents: Record<string, string | Uint8Array> },
  program: string | undefined,
  policy: Partial<Policy> | 'no private-lib' = {},
): { ops: string[]; missing: string[] } {
  const facts = { fs: fakeFsView(host.entries, host.contents), home: '/home/u', uid: 1000, isRoot: false, arch: 'x64' } as unknown as HostFacts;
  const ctx = newContext(policy === 'no private-lib' ? emptyPolicy() : { ...emptyPolicy(), privateLib: [], ...policy }, facts);
  planPrivateLib(ctx, program);
  const { mounts } = ctx.tree.emit();
  const ops = mounts.map((m) =>
    m.kind === 'symlink' ? `symlink ${m.target} ${m.dest}` : [m.kind, 'src' in m && m.src !== m.dest ? m.src : '', m.dest].filter((x) => x !== '').join(' '),
  );
  return { ops, missing: ctx.missing };
}

describe('private-lib', () => {
  test('bash: its libraries, the loader, glibc run-time pieces; nothing else of the library directories', () => {
    const { ops, missing } = plan(debianHost(), '/usr/bin/bash');
    expect(ops).toEqual([
      'tmpfs /usr/lib',
      'ro-bind /usr/lib/locale',
      'dir /usr/lib/x86_64-linux-gnu',
      `ro-bind ${ML}/gconv`,
      `ro-bind ${ML}/ld-linux-x86-64.so.2`,
      `ro-bind ${ML}/libc.so.6`,
      `ro-bind ${ML}/libm.so.6`,
      `ro-bind ${ML}/libnss_files.so.2`,
      `symlink libtinfo.so.6.4 ${ML}/libtinfo.so.6`,
      `ro-bind ${ML}/libtinfo.so.6.4`,
      'remount-ro /usr/lib',
      'tmpfs /usr/lib64',
      `symlink ${ML}/ld-linux-x86-64.so.2 /usr/lib64/ld-linux-x86-64.so.2`,
      'remount-ro /usr/lib64',
      'tmpfs /usr/local/lib',
      'remount-ro /usr/local/lib',
    ]);
    expect(ops.join('\n')).not.toContain('libunused');
    expect(missing).toEqual([]);
  });

  test('without private-lib nothing is planned', () => {
    expect(plan(debianHost(), '/usr/bin/bash', 'no private-lib').ops).toEqual([]);
  });

  test('listed names: a library brings its own libraries, a directory comes whole, a glob expands, absent names are reported', () => {
    const host = debianHost();
    host.entries[`${ML}/libextra.so.2`] = 'file';
    host.contents[`${ML}/libextra.so.2`] = buildElf({ needed: ['libunused.so.1'] });
    host.entries['/usr/lib/mydata/a.txt'] = 'file';
    host.entries['/opt/app/lib/libapp.so'] = 'file';
    host.contents['/opt/app/lib/libapp.so'] = buildElf({ needed: ['libtinfo.so.6'] });
    const { ops, missing } = plan(host, '/usr/bin/ls', { privateLib: ['libext*', 'mydata', '/opt/app/lib/libapp.so', 'libnothere.so.9'] });
    expect(ops).toContain(`ro-bind ${ML}/libextra.so.2`);
    expect(ops).toContain(`ro-bind ${ML}/libunused.so.1`);
    expect(ops).toContain('ro-bind /usr/lib/mydata');
    expect(ops.some((o) => o.includes('a.txt'))).toBe(false); // inside a whole directory: not bound again
    expect(ops).toContain(`ro-bind ${ML}/libtinfo.so.6.4`); // needed by an absolute list entry outside
    expect(ops.some((o) => o.includes('/opt/app'))).toBe(false); // the host's /opt is there anyway
    expect(missing).toEqual(['private-lib: libnothere.so.9']);
  });

  test('a script brings its interpreter\'s libraries; private-bin programs bring theirs', () => {
    const viaScript = plan(debianHost(), '/usr/bin/script').ops;
    expect(viaScript).toContain(`ro-bind ${ML}/libtinfo.so.6.4`);
    const withBin = plan(debianHost(), '/usr/bin/bash', { privateBin: ['bash', 'ls'] }).ops;
    expect(withBin).toContain(`ro-bind ${ML}/libm.so.6`);
  });

  test('search order: RUNPATH with $ORIGIN, then ld.so.cache, then the default directories; wrong-class files are passed over', () => {
    const host = debianHost();
    host.entries['/usr/lib/app/bin/app'] = 'file';
    host.contents['/usr/lib/app/bin/app'] = exe(['libcore.so.1', 'libcached.so.1', 'libc.so.6'], { runpath: '$ORIGIN/../lib:/opt/wrong' });
    host.entries['/opt/wrong/libcached.so.1'] = 'file';
    host.contents['/opt/wrong/libcached.so.1'] = buildElf({ bits: 32, needed: [] });
    host.entries['/usr/lib/app/lib/libcore.so.1'] = 'file';
    host.contents['/usr/lib/app/lib/libcore.so.1'] = buildElf({ needed: ['libc.so.6'] });
    host.entries['/usr/local/lib/libcached.so.1'] = 'file';
    host.contents['/usr/local/lib/libcached.so.1'] = buildElf({ needed: ['libm.so.6'] });
    host.entries['/etc/ld.so.cache'] = 'file';
    host.contents['/etc/ld.so.cache'] = buildLdCache([['libcached.so.1', '/usr/local/lib/libcached.so.1']]);
    const { ops, missing } = plan(host, '/usr/lib/app/bin/app');
    expect(ops).toContain('ro-bind /usr/lib/app'); // the program's package directory, whole
    expect(ops).toContain('ro-bind /usr/local/lib/libcached.so.1');
    expect(ops).toContain(`ro-bind ${ML}/libm.so.6`); // needed by the cached library
    expect(missing).toEqual([]);
  });

  test('python: the standard library comes whole, and the libraries of its extension modules', () => {
    const host = debianHost();
    host.entries['/usr/bin/python3'] = { symlink: 'python3.11' };
    host.entries['/usr/bin/python3.11'] = 'file';
    host.contents['/usr/bin/python3.11'] = exe(['libm.so.6', 'libc.so.6']);
    host.entries['/usr/lib/python3.11/json/__init__.py'] = 'file';
    host.entries['/usr/lib/python3.11/lib-dynload/_ssl.cpython-311-x86_64-linux-gnu.so'] = 'file';
    host.contents['/usr/lib/python3.11/lib-dynload/_ssl.cpython-311-x86_64-linux-gnu.so'] = buildElf({ needed: ['libssl.so.3'] });
    host.entries[`${ML}/libssl.so.3`] = 'file';
    host.contents[`${ML}/libssl.so.3`] = buildElf({ needed: ['libc.so.6'] });
    host.entries['/usr/lib/ssl/openssl.cnf'] = 'file';
    host.entries['/usr/lib/python3/dist-packages/x.py'] = 'file';
    const { ops } = plan(host, '/usr/bin/python3');
    expect(ops).toContain('ro-bind /usr/lib/python3.11');
    expect(ops).toContain('ro-bind /usr/lib/python3');
    expect(ops).toContain('ro-bind /usr/local/lib/python3.11');
    expect(ops).toContain(`ro-bind ${ML}/libssl.so.3`);
    expect(ops).toContain('ro-bind /usr/lib/ssl'); // brought by libssl being in use
    expect(ops.filter((o) => o.includes('lib-dynload'))).toEqual([]);
  });

  test('cycles, missing libraries and garbage files end the walk cleanly', () => {
    const host = debianHost();
    host.entries[`${ML}/liba.so`] = 'file';
    host.contents[`${ML}/liba.so`] = buildElf({ needed: ['libb.so', 'libgone.so.3'] });
    host.entries[`${ML}/libb.so`] = 'file';
    host.contents[`${ML}/libb.so`] = buildElf({ needed: ['liba.so', 'libjunk.so'] });
    host.entries[`${ML}/libjunk.so`] = 'file';
    host.contents[`${ML}/libjunk.so`] = new Uint8Array([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0, 0xff, 0xff]);
    host.contents['/usr/bin/bash'] = exe(['liba.so']);
    const { ops, missing } = plan(host, '/usr/bin/bash');
    expect(ops).toContain(`ro-bind ${ML}/liba.so`);
    expect(ops).toContain(`ro-bind ${ML}/libb.so`);
    expect(missing).toContain(`private-lib: libgone.so.3 (needed by ${ML}/liba.so)`);
    expect(missing).toContain(`private-lib: libjunk.so (needed by ${ML}/libb.so)`);
  });

  test('only the list can keep a whole library directory; an ELF file naming one cannot', () => {
    const host = debianHost();
    host.contents['/usr/bin/bash'] = exe(['libc.so.6', '/usr/lib', '../../usr/lib'], { interp: '/usr/lib' });
    host.contents['/etc/nsswitch.conf'] = 'passwd: ../../usr/lib /x files\n';
    const hostile = plan(host, '/usr/bin/bash').ops;
    expect(hostile).toContain('tmpfs /usr/lib');
    expect(hostile).not.toContain('ro-bind /usr/lib');
    const listed = plan(debianHost(), '/usr/bin/bash', { privateLib: ['/usr/lib'] }).ops;
    expect(listed.filter((o) => o.startsWith('tmpfs'))).toEqual(['tmpfs /usr/lib64', 'tmpfs /usr/local/lib']);
  });

  test('a non-merged /usr: /lib and /lib64 are replaced too', () => {
    const entries: Record<string, Entry> = {
      '/lib/x86_64-linux-gnu/libc.so.6': 'file',
      '/lib/x86_64-linux-gnu/libz.so.1': 'file',
      '/lib64/ld-linux-x86-64.so.2': { symlink: '/lib/x86_64-linux-gnu/ld-2.31.so' },
      '/lib/x86_64-linux-gnu/ld-2.31.so': 'file',
      '/usr/lib/x86_64-linux-gnu/libtinfo.so.6': 'file',
      '/bin/bash': 'file',
    };
    const contents = {
      '/lib/x86_64-linux-gnu/libc.so.6': buildElf({ needed: [] }),
      '/lib/x86_64-linux-gnu/ld-2.31.so': buildElf({}),
      '/lib/x86_64-linux-gnu/libz.so.1': buildElf({}),
      '/usr/lib/x86_64-linux-gnu/libtinfo.so.6': buildElf({ needed: ['libc.so.6'] }),
      '/bin/bash': exe(['libtinfo.so.6', 'libc.so.6']),
    };
    const { ops } = plan({ entries, contents }, '/bin/bash');
    expect(ops.filter((o) => o.startsWith('tmpfs'))).toEqual(['tmpfs /lib', 'tmpfs /lib64', 'tmpfs /usr/lib']);
    expect(ops).toContain('ro-bind /lib/x86_64-linux-gnu/libc.so.6');
    expect(ops).toContain('symlink /lib/x86_64-linux-gnu/ld-2.31.so /lib64/ld-linux-x86-64.so.2');
    expect(ops).toContain('ro-bind /usr/lib/x86_64-linux-gnu/libtinfo.so.6');
    expect(ops.join('\n')).not.toContain('libz');
  });
});
