import { describe, expect, test } from 'bun:test';
import { UsageError } from '../errors.ts';
import type { FileRead } from '../profile/files.ts';
import { fakeEnv } from '../profile/testing.ts';
import { loadIdsConfig, parseIdsConfig } from './config.ts';

/** A reader over an in-memory table: absent names are missing files. */
function reader(files: Record<string, string | FileRead>): (path: string) => FileRead {
  return (path) => {
    const f = files[path];
    if (f === undefined) return { kind: 'missing' };
    return typeof f === 'string' ? { kind: 'text', text: f, id: path } : f;
  };
}

const env = fakeEnv();

function thrown(fn: () => unknown): UsageError {
  try {
    fn();
  } catch (e) {
    if (e instanceof UsageError) return e;
    throw e;
  }
  throw new Error('expected a UsageError');
}

describe('parseIdsConfig', () => {
  test('comments, blank lines, includes, paths and exclusions', () => {
    const text = ['# head', '', 'include ids.config.local', '/usr/bin', '  /etc/ssh  ', '!${HOME}/.ssh/known_hosts # excluding', '! /x', '/a#b', '\t# indented'].join('\n');
    expect(parseIdsConfig(text)).toEqual([
      { kind: 'include', name: 'ids.config.local', line: 3 },
      { kind: 'path', pattern: '/usr/bin', line: 4 },
      { kind: 'path', pattern: '/etc/ssh', line: 5 },
      { kind: 'exclude', pattern: '${HOME}/.ssh/known_hosts', line: 6 },
      { kind: 'exclude', pattern: '/x', line: 7 },
      { kind: 'path', pattern: '/a#b', line: 8 },
    ]);
  });

  test('an empty file has no lines (control for the above)', () => {
    expect(parseIdsConfig('\n\n# only comments\n')).toEqual([]);
  });
});

describe('loadIdsConfig', () => {
  test("Firejail's file, its relative include, then kiln's own; macros expanded", () => {
    const cfg = loadIdsConfig(
      ['/etc/firejail/ids.config', '/etc/kiln/ids.config'],
      reader({
        '/etc/firejail/ids.config': 'include ids.config.local\n/usr/bin\n${HOME}/.bashrc\n!${HOME}/.ssh/known_hosts\n${HOME}/.ssh\n',
        '/etc/firejail/ids.config.local': '/opt/app\n',
        '/etc/kiln/ids.config': '!/usr/bin/vim*\n/usr/bin\n/srv\n',
      }),
      env,
    );
    expect(cfg).toEqual({
      files: ['/etc/firejail/ids.config', '/etc/firejail/ids.config.local', '/etc/kiln/ids.config'],
      paths: ['/opt/app', '/usr/bin', '/home/u/.bashrc', '/home/u/.ssh', '/srv'],
      exclude: ['/home/u/.ssh/known_hosts', '/usr/bin/vim*'],
    });
  });

  test('a missing include is skipped; one source is enough', () => {
    const cfg = loadIdsConfig(['/a/ids.config', '/b/ids.config'], reader({ '/b/ids.config': 'include /nowhere\n/x\n' }), env);
    expect(cfg).toEqual({ files: ['/b/ids.config'], paths: ['/x'], exclude: [] });
  });

  test('no configuration at all is an error', () => {
    expect(thrown(() => loadIdsConfig(['/a', '/b'], reader({}), env)).message).toContain('no IDS configuration');
  });

  test('errors name the file and line', () => {
    const read = reader({ '/c': '/ok\nrelative/path\n' });
    expect(thrown(() => loadIdsConfig(['/c'], read, env)).message).toMatch(/^\/c:2: 'relative\/path'/);
    expect(thrown(() => loadIdsConfig(['/c'], reader({ '/c': '${NOPE}/x' }), env)).message).toMatch(/^\/c:1: .*unknown macro/);
    expect(thrown(() => loadIdsConfig(['/c'], reader({ '/c': '/ok\n!\n' }), env)).message).toMatch(/^\/c:2: /);
  });

  test('an unreadable file is an error, not a missing one', () => {
    const read = reader({ '/c': { kind: 'error', message: 'cannot be read: Permission denied (EACCES)' } });
    expect(thrown(() => loadIdsConfig(['/c'], read, env)).message).toBe('/c: cannot be read: Permission denied (EACCES)');
  });

  test('include cycles and runaway nesting are errors', () => {
    expect(thrown(() => loadIdsConfig(['/c/a'], reader({ '/c/a': 'include b', '/c/b': 'include a' }), env)).message).toMatch(/^\/c\/b:1: '\/c\/a' includes itself/);
    const chain: Record<string, string> = {};
    for (let i = 0; i < 20; i++) chain[`/c/${i}`] = `include ${i + 1}`;
    expect(thrown(() => loadIdsConfig(['/c/0'], reader(chain), env)).message).toContain('nest more than');
  });
});
