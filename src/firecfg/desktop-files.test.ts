import { describe, expect, test } from 'bun:test';
import { firstWord, fixDesktopFile, isKilnWritten, MARK_KEY } from './desktop-files.ts';

const SRC = '/usr/share/applications/firefox.desktop';
/** Accepts /usr/bin/firefox only, as a linked program whose link runs exactly that file. */
const byName = (path: string) => (path === '/usr/bin/firefox' ? 'firefox' : undefined);

const ENTRY = [
  '[Desktop Entry]',
  'Name=Firefox',
  'Exec=/usr/bin/firefox %u',
  'TryExec=/usr/bin/firefox',
  'Icon=firefox',
  '',
  '[Desktop Action new-private-window]',
  'Name=New Private Window',
  'Exec = /usr/bin/firefox --private-window %u',
  'Exec[de]=/usr/bin/firefox',
  '',
].join('\n');

describe('fixDesktopFile', () => {
  test('Exec= and TryExec= in every group call the program by name; every other byte stays; the copy is marked', () => {
    const r = fixDesktopFile(ENTRY, SRC, byName);
    expect(r?.programs).toEqual(['firefox']);
    const lines = r?.text.split('\n') ?? [];
    expect(lines[0]).toStartWith('# ');
    expect(lines.slice(1)).toEqual([
      '[Desktop Entry]',
      `${MARK_KEY}=${SRC}`,
      'Name=Firefox',
      'Exec=firefox %u',
      'TryExec=firefox',
      'Icon=firefox',
      '',
      '[Desktop Action new-private-window]',
      'Name=New Private Window',
      'Exec = firefox --private-window %u',
      // Not a key the specification has (Exec is not localized): left as it is.
      'Exec[de]=/usr/bin/firefox',
      '',
    ]);
    expect(isKilnWritten(r?.text ?? '')).toBe(true);
    // Control: the source is not kiln's.
    expect(isKilnWritten(ENTRY)).toBe(false);
  });

  test('a quoted program path loses its quotes; CRLF lines keep their CR', () => {
    const r = fixDesktopFile('[Desktop Entry]\r\nExec="/usr/bin/firefox" %u\r\n', SRC, byName);
    expect(r?.text.split('\n').slice(1)).toEqual(['[Desktop Entry]\r', `${MARK_KEY}=${SRC}\r`, 'Exec=firefox %u\r', '']);
  });

  test.each([
    ['a program called by name already', '[Desktop Entry]\nExec=firefox %u\n'],
    ['a full path the predicate refuses (another program of that name)', '[Desktop Entry]\nExec=/opt/firefox/firefox %u\n'],
    ['only TryExec= would change', '[Desktop Entry]\nTryExec=/usr/bin/firefox\nExec=firefox\n'],
    ['no [Desktop Entry] group', '[Something Else]\nExec=/usr/bin/firefox\n'],
    ['keys before any group', 'Exec=/usr/bin/firefox\n'],
    ['a program word with a backslash (full quoting rules)', '[Desktop Entry]\nExec=/usr/bin/fire\\sfox\n'],
    ["kiln's own copy", `[Desktop Entry]\n${MARK_KEY}=${SRC}\nExec=/usr/bin/firefox\n`],
  ])('no copy: %s', (_why, text) => {
    expect(fixDesktopFile(text, SRC, byName)).toBeUndefined();
  });

  test('the mark counts only in the [Desktop Entry] group', () => {
    expect(isKilnWritten(`[Desktop Action x]\n${MARK_KEY}=y\n`)).toBe(false);
    expect(isKilnWritten(`[Desktop Entry]\nName=x\n${MARK_KEY} = y\n`)).toBe(true);
    expect(isKilnWritten(`# ${MARK_KEY}=y\n[Desktop Entry]\n`)).toBe(false);
  });
});

describe('firstWord', () => {
  test.each([
    ['/usr/bin/x %u', { word: '/usr/bin/x', rest: ' %u' }],
    ['/usr/bin/x', { word: '/usr/bin/x', rest: '' }],
    ['"/opt/my app/x" --y', { word: '/opt/my app/x', rest: ' --y' }],
    ['"/opt/x', undefined],
    ['"/opt/\\"x" y', undefined],
  ])('%s', (value, expected) => {
    expect(firstWord(value)).toEqual(expected as never);
  });
});
