import { describe, expect, test } from 'bun:test';
import { compareEntries, countDifferences, formatDifference } from './compare.ts';
import { modeString, type Entry } from './entry.ts';

const H1 = '1'.repeat(64);
const H2 = '2'.repeat(64);
const file = (path: string, sha256: string | undefined, mode = 0o644, uid = 0): Entry =>
  sha256 === undefined ? { path, type: 'file', mode, uid, gid: 0, unreadable: 'EACCES' } : { path, type: 'file', mode, uid, gid: 0, sha256 };
const link = (path: string, target: string): Entry => ({ path, type: 'symlink', mode: 0o777, uid: 0, gid: 0, target });
const dir = (path: string, unreadable?: string): Entry => ({ path, type: 'dir', mode: 0o755, uid: 0, gid: 0, ...(unreadable ? { unreadable } : {}) });
const map = (...entries: Entry[]) => new Map(entries.map((e) => [e.path, e]));

describe('compareEntries', () => {
  test('the same scan twice differs in nothing (control)', () => {
    const a = map(dir('/t'), file('/t/a', H1), link('/t/l', 'a'), file('/t/u', undefined));
    expect(compareEntries(a, map(...a.values()))).toEqual([]);
  });

  test('one of each kind, in path order', () => {
    const old = map(dir('/t'), file('/t/a', H1), file('/t/b', H1), file('/t/c', H1));
    const now = map(dir('/t'), file('/t/a', H2), file('/t/c', H1, 0o4755), file('/t/d', H1));
    expect(compareEntries(old, now).map((d) => `${d.kind} ${d.path}`)).toEqual(['modified /t/a', 'removed /t/b', 'permissions /t/c', 'new /t/d']);
  });

  const modified: [string, Entry, Entry][] = [
    ['contents', file('/p', H1), file('/p', H2)],
    ['a file became a symlink', file('/p', H1), link('/p', 'x')],
    ['a link points elsewhere', link('/p', 'a'), link('/p', 'b')],
    ['a file became unreadable', file('/p', H1), file('/p', undefined)],
    ['an unreadable file became readable', file('/p', undefined), file('/p', H1)],
    ['a directory became unreadable', dir('/p'), dir('/p', 'EACCES')],
  ];
  for (const [what, a, b] of modified) {
    test(`modified: ${what}`, () => expect(compareEntries(map(a), map(b))).toEqual([{ kind: 'modified', path: '/p' }]));
  }

  test('an owner change is a permissions change; contents and mode can both change', () => {
    expect(compareEntries(map(file('/p', H1)), map(file('/p', H1, 0o644, 1000))).map((d) => d.kind)).toEqual(['permissions']);
    expect(compareEntries(map(file('/p', H1)), map(file('/p', H2, 0o600))).map((d) => d.kind)).toEqual(['modified', 'permissions']);
  });
});

describe('report lines', () => {
  test("Firejail's words, the path last but for the permissions suffix", () => {
    const lines = compareEntries(map(file('/a', H1), file('/b b', H1), file('/c', H1)), map(file('/a', H2), file('/c', H1, 0o4755, 0), file('/d', H1))).map(formatDifference);
    expect(lines).toEqual([
      'Warning: modified /a',
      'Warning: removed /b b',
      'Warning: permissions /c: old rw-r--r-- 0:0, new rwsr-xr-x 0:0',
      'Warning: new file /d',
    ]);
  });

  test('counts', () => {
    const diffs = compareEntries(map(file('/a', H1), file('/b', H1)), map(file('/a', H2), file('/c', H1)));
    expect(countDifferences(diffs)).toEqual({ modified: 1, permissions: 0, new: 1, removed: 1 });
  });

  test('modeString', () => {
    expect(modeString(0o755)).toBe('rwxr-xr-x');
    expect(modeString(0o4755)).toBe('rwsr-xr-x');
    expect(modeString(0o2644)).toBe('rw-r-Sr--');
    expect(modeString(0o1777)).toBe('rwxrwxrwt');
    expect(modeString(0o1000)).toBe('--------T');
  });
});
