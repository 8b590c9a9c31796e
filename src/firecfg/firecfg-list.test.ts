import { describe, expect, test } from 'bun:test';
import { existsSync } from 'node:fs';
import { BUILTIN_PROGRAMS, isProgramName, listFiles, mergeCandidates, parseProgramList, RESERVED_NAMES } from './firecfg-list.ts';

describe('program lists', () => {
  test('lines: names, !removals, comments and blanks; a line that names no program is reported with its number', () => {
    expect(parseProgramList('# header\nfirefox\n  vlc  # trailing comment\n\n!gimp\n! mpv\nbad/name\n.hidden\nfirecfg\n')).toEqual([
      { kind: 'add', name: 'firefox' },
      { kind: 'add', name: 'vlc' },
      { kind: 'remove', name: 'gimp' },
      { kind: 'remove', name: 'mpv' },
      { kind: 'invalid', line: 7, text: 'bad/name' },
      { kind: 'invalid', line: 8, text: '.hidden' },
      { kind: 'invalid', line: 9, text: 'firecfg' },
    ]);
  });

  test('names: plain file names that need no quoting in an Exec= line', () => {
    for (const ok of ['firefox', '0ad', 'io.github.lainsce.Notejot', 'g++', 'ts3client_runscript.sh']) expect(isProgramName(ok)).toBe(true);
    for (const bad of ['', 'a b', 'a/b', '.x', '-x', 'a"b', "a'b", 'a$b', 'kiln', 'firecfg', 'a\\b']) expect(isProgramName(bad)).toBe(false);
  });

  test('merge: built in, then each file in order; a later !name removes, a later name adds back', () => {
    const r = mergeCandidates(
      [
        { file: '/etc/firejail/firecfg.config', text: 'zzz\n!b\nbad name\n' },
        { file: '/home/u/.config/kiln/firecfg.config', text: '!zzz\nb\n!a\n' },
      ],
      ['a', 'b', 'c'],
    );
    expect(r).toEqual({ names: ['b', 'c'], invalid: ['/etc/firejail/firecfg.config:3: bad name'] });
    // Control: without the second file, zzz and a stay and b is gone.
    expect(mergeCandidates([{ file: 'f', text: 'zzz\n!b\n' }], ['a', 'b', 'c']).names).toEqual(['a', 'c', 'zzz']);
  });

  test('the built-in list: valid names, each once, none of them kiln', () => {
    expect(BUILTIN_PROGRAMS.length).toBeGreaterThan(100);
    expect(BUILTIN_PROGRAMS.filter((n) => !isProgramName(n))).toEqual([]);
    expect(new Set(BUILTIN_PROGRAMS).size).toBe(BUILTIN_PROGRAMS.length);
    expect(BUILTIN_PROGRAMS.filter((n) => RESERVED_NAMES.has(n))).toEqual([]);
  });

  test.skipIf(!existsSync('/etc/firejail/firefox.profile'))('every built-in name has a Firejail profile in /etc/firejail (skipped without firejail-profiles)', () => {
    expect(BUILTIN_PROGRAMS.filter((n) => !existsSync(`/etc/firejail/${n}.profile`))).toEqual([]);
  });

  test("the files: Firejail's, kiln's, the user's, in that order", () => {
    expect(listFiles('/home/u')).toEqual(['/etc/firejail/firecfg.config', '/etc/kiln/firecfg.config', '/home/u/.config/kiln/firecfg.config']);
    expect(listFiles(undefined)).toEqual(['/etc/firejail/firecfg.config', '/etc/kiln/firecfg.config']);
  });
});
