import { describe, expect, test } from 'bun:test';
import { configSources, databasePath, escapeName, isExcluded } from './paths.ts';

describe('escapeName', () => {
  const cases: [number[] | string, string][] = [
    ['plain name', 'plain name'],
    ['Téléchargement', 'Téléchargement'],
    ['back\\slash', 'back\\\\slash'],
    ['new\nline', 'new\\x0aline'],
    ['tab\tdel\x7f', 'tab\\x09del\\x7f'],
    [[0x62, 0x61, 0x64, 0xff, 0x6e], 'bad\\xffn'],
    // Not UTF-8: every non-ASCII byte is escaped, even those of a valid sequence (é = c3 a9).
    [[0xc3, 0xa9, 0xff], '\\xc3\\xa9\\xff'],
    [[0x5c, 0xff], '\\\\\\xff'],
  ];
  for (const [input, want] of cases) {
    test(JSON.stringify(input), () => {
      const bytes = typeof input === 'string' ? new TextEncoder().encode(input) : new Uint8Array(input);
      expect(escapeName(bytes)).toBe(want);
    });
  }

  test('distinct names stay distinct', () => {
    const names = [[0x5c, 0x78, 0x66, 0x66], [0xff], [0x5c, 0x5c], [0x5c]].map((b) => escapeName(new Uint8Array(b)));
    expect(new Set(names).size).toBe(names.length);
  });
});

describe('isExcluded', () => {
  const exclude = ['/home/u/.ssh/known_hosts', '/etc/skip', '/usr/bin/vim*'];
  const cases: [string, boolean][] = [
    ['/home/u/.ssh/known_hosts', true],
    ['/home/u/.ssh/known_hosts.old', false],
    ['/home/u/.ssh/config', false],
    ['/etc/skip', true],
    ['/etc/skip/below/file', true],
    ['/etc/skipped', false],
    ['/etc', false],
    ['/usr/bin/vim.basic', true],
    ['/usr/bin/vi', false],
  ];
  for (const [path, want] of cases) test(`${path} → ${want}`, () => expect(isExcluded(path, exclude)).toBe(want));

  test('nothing is excluded without exclusions (control)', () => {
    expect(isExcluded('/etc/skip', [])).toBe(false);
  });
});

describe('databasePath', () => {
  test('root: /var/lib/kiln, whatever XDG_STATE_HOME says', () => {
    expect(databasePath(0, { XDG_STATE_HOME: '/home/u/.local/state' }, '/root')).toBe('/var/lib/kiln/ids.json');
  });
  test('a user: XDG_STATE_HOME, else ~/.local/state', () => {
    expect(databasePath(1000, { XDG_STATE_HOME: '/st' }, '/home/u')).toBe('/st/kiln/ids.json');
    expect(databasePath(1000, {}, '/home/u')).toBe('/home/u/.local/state/kiln/ids.json');
    expect(databasePath(1000, { XDG_STATE_HOME: 'relative' }, '/home/u')).toBe('/home/u/.local/state/kiln/ids.json');
  });
  test('KILN_IDS_DB names it outright, for root too', () => {
    expect(databasePath(0, { KILN_IDS_DB: '/t/db.json' }, '/root')).toBe('/t/db.json');
    expect(databasePath(1000, { KILN_IDS_DB: '/t/db.json', XDG_STATE_HOME: '/st' }, '/home/u')).toBe('/t/db.json');
  });
});

describe('configSources', () => {
  test("Firejail's file then kiln's, or KILN_IDS_CONFIG alone", () => {
    expect(configSources({})).toEqual(['/etc/firejail/ids.config', '/etc/kiln/ids.config']);
    expect(configSources({ KILN_IDS_CONFIG: '/t/ids.config' })).toEqual(['/t/ids.config']);
  });
});
