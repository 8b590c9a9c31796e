import { describe, expect, test } from 'bun:test';
import { UsageError } from '../errors.ts';
import { decodeDatabase, encodeDatabase, type Database } from './database.ts';
import type { Entry } from './entry.ts';

const entries: Entry[] = [
  { path: '/t', type: 'dir', mode: 0o755, uid: 0, gid: 0 },
  { path: '/t/a', type: 'file', mode: 0o4755, uid: 0, gid: 0, sha256: 'ab'.repeat(32) },
  { path: '/t/bad\\xff', type: 'file', mode: 0o600, uid: 1000, gid: 1000, unreadable: 'EACCES' },
  { path: '/t/closed', type: 'dir', mode: 0o700, uid: 0, gid: 0, unreadable: 'EACCES' },
  { path: '/t/l', type: 'symlink', mode: 0o777, uid: 0, gid: 0, target: '../etc/"quoted"' },
  { path: '/t/f', type: 'special', mode: 0o644, uid: 0, gid: 0, kind: 'fifo' },
];
const db: Database = {
  created: '2026-12-04T00:00:00.000Z',
  uid: 0,
  config: { files: ['/etc/firejail/ids.config'], paths: ['/t'], exclude: ['/t/x'] },
  entries: new Map(entries.map((e) => [e.path, e])),
};

function message(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    if (e instanceof UsageError) return e.message;
    throw e;
  }
  return '(no error)';
}

describe('database format', () => {
  test('round trip', () => {
    const back = decodeDatabase(encodeDatabase(db), '/db');
    expect(back).toEqual(db);
  });

  test('valid JSON with one entry per line and octal modes', () => {
    const text = encodeDatabase(db);
    expect(() => JSON.parse(text)).not.toThrow();
    const lines = text.split('\n');
    expect(lines.filter((l) => l.startsWith('{"path":')).length).toBe(entries.length);
    expect(text).toContain('"mode":"04755"');
  });

  const damaged: [string, (text: string) => string, string][] = [
    ['not JSON', (t) => t.slice(0, 40), 'damaged IDS database'],
    ['another format', (t) => t.replace('"kiln-ids"', '"other"'), 'not a kiln IDS database'],
    ['another version', (t) => t.replace('"version":1', '"version":9'), 'version 9'],
    ['a bad hash', (t) => t.replace('ab'.repeat(32), 'xyz'), '"sha256"'],
    ['a bad mode', (t) => t.replace('"04755"', '"rwx"'), '"mode"'],
    ['an unknown type', (t) => t.replace('"type":"special"', '"type":"door"'), 'door'],
    ['a path twice', (t) => t.replace('"path":"/t/l"', '"path":"/t/a"'), 'listed twice'],
  ];
  for (const [what, spoil, want] of damaged) {
    test(`damaged: ${what}`, () => {
      const m = message(() => decodeDatabase(spoil(encodeDatabase(db)), '/db'));
      expect(m).toContain('/db: ');
      expect(m).toContain(want);
    });
  }
});
