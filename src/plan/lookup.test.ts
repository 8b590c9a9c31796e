import { describe, expect, test } from 'bun:test';
import { fakeFsView } from '../host/fsview.ts';
import { lookupProgram } from './lookup.ts';
import { MountTree } from './tree.ts';

/** A host with a merged /usr (/bin → usr/bin), sh → dash, and a pyenv-style shim in the home. */
const fs = fakeFsView({
  '/bin': { symlink: 'usr/bin' },
  '/usr/bin/dash': 'file',
  '/usr/bin/sh': { symlink: 'dash' },
  '/usr/bin/python3': { symlink: 'python3.11' },
  '/usr/bin/python3.11': 'file',
  '/home/u/.pyenv/shims/python3': 'file',
});

function hostTree(): MountTree {
  const t = new MountTree();
  t.mount('/', { kind: 'host', src: '/' });
  return t;
}

describe('lookupProgram', () => {
  const PATH = '/home/u/.pyenv/shims:/usr/bin:/bin';

  test("a PATH entry that is kiln itself (a firecfg link) is passed over; a path given as such is not", () => {
    const withLink = fakeFsView({ '/usr/local/bin/python3': { symlink: '/opt/kiln/kiln' }, '/opt/kiln/kiln': 'file', '/usr/bin/python3': 'file' });
    const path = '/usr/local/bin:/usr/bin';
    expect(lookupProgram(hostTree(), withLink, 'python3', path, '/', '/opt/kiln/kiln')).toMatchObject({ kind: 'found', path: '/usr/bin/python3' });
    expect(lookupProgram(hostTree(), withLink, 'python3', path, '/')).toMatchObject({ kind: 'found', path: '/usr/local/bin/python3' });
    expect(lookupProgram(hostTree(), withLink, '/usr/local/bin/python3', path, '/', '/opt/kiln/kiln')).toMatchObject({ kind: 'found', path: '/usr/local/bin/python3' });
  });

  test('control: on an unchanged tree the first PATH entry wins, as on the host', () => {
    expect(lookupProgram(hostTree(), fs, 'python3', PATH, '/')).toEqual({ kind: 'found', path: '/home/u/.pyenv/shims/python3', host: '/home/u/.pyenv/shims/python3' });
  });

  test('a PATH entry the sandbox hides is skipped, and reported if nothing else is found', () => {
    const t = hostTree();
    t.mount('/home/u', { kind: 'tmpfs' });
    expect(lookupProgram(t, fs, 'python3', PATH, '/')).toEqual({ kind: 'found', path: '/usr/bin/python3', host: '/usr/bin/python3.11' });
    const r = lookupProgram(t, fs, 'python3', '/home/u/.pyenv/shims', '/');
    expect(r).toEqual({ kind: 'missing', hidden: ['/home/u/.pyenv/shims/python3'], noexec: [] });
  });

  test('noexec entries are skipped as execvp skips EACCES', () => {
    const t = hostTree();
    t.setFlag('/home/u', 'noexec');
    expect(lookupProgram(t, fs, 'python3', PATH, '/')).toMatchObject({ kind: 'found', path: '/usr/bin/python3' });
    expect(lookupProgram(t, fs, 'python3', '/home/u/.pyenv/shims', '/')).toMatchObject({ kind: 'missing', noexec: ['/home/u/.pyenv/shims/python3'] });
  });

  test("a host link is resolved in the sandbox's tree: /bin/sh under private-bin's /usr/bin", () => {
    const t = hostTree();
    t.mount('/usr/bin', { kind: 'tmpfs' });
    t.mount('/usr/bin/sh', { kind: 'host', src: '/usr/bin/dash' });
    expect(lookupProgram(t, fs, '/bin/sh', undefined, '/')).toEqual({ kind: 'found', path: '/bin/sh', host: '/usr/bin/dash' });
    // python3 is not in the private /usr/bin, though the host has it
    expect(lookupProgram(t, fs, 'python3', '/usr/bin:/bin', '/')).toMatchObject({ kind: 'missing', hidden: ['/usr/bin/python3', '/bin/python3'] });
  });

  test('symlinks the plan makes are followed', () => {
    const t = hostTree();
    t.mount('/bin', { kind: 'symlink', target: 'usr/bin' });
    expect(lookupProgram(t, fs, 'sh', '/bin', '/')).toEqual({ kind: 'found', path: '/bin/sh', host: '/usr/bin/dash' });
  });

  test('a relative name is taken from the working directory; a missing one is simply missing', () => {
    expect(lookupProgram(hostTree(), fs, './python3.11', PATH, '/usr/bin')).toMatchObject({ kind: 'found', path: '/usr/bin/python3.11' });
    expect(lookupProgram(hostTree(), fs, 'nonesuch', PATH, '/')).toEqual({ kind: 'missing', hidden: [], noexec: [] });
  });
});
