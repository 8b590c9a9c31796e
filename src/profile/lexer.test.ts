import { describe, expect, test } from 'bun:test';
import { lexProfile, MAX_LINE_LENGTH } from './lexer.ts';
import { decodeProfile, firstInvalidUtf8 } from './text.ts';

describe('lexProfile', () => {
  const cases: [string, string, { line: number; col: number; text: string }[]][] = [
    ['blank lines and comments vanish', '\n# comment\n   \n\t# indented comment\n', []],
    ['a command', 'private-dev\n', [{ line: 1, col: 1, text: 'private-dev' }]],
    ['surrounding blanks are trimmed, the column kept', '   nonewprivs  \n', [{ line: 1, col: 4, text: 'nonewprivs' }]],
    ['a trailing comment is dropped', 'net none # no network\n', [{ line: 1, col: 1, text: 'net none' }]],
    ['a # anywhere starts a comment', 'blacklist /a#b\n', [{ line: 1, col: 1, text: 'blacklist /a' }]],
    ['tabs count as spaces', '\tblacklist\t/x\n', [{ line: 1, col: 2, text: 'blacklist /x' }]],
    ['CRLF line ends', 'seccomp\r\ncaps\r\n', [{ line: 1, col: 1, text: 'seccomp' }, { line: 2, col: 1, text: 'caps' }]],
    ['no final newline', 'a\nb', [{ line: 1, col: 1, text: 'a' }, { line: 2, col: 1, text: 'b' }]],
    ['line numbers count skipped lines', '#\n\nquiet\n', [{ line: 3, col: 1, text: 'quiet' }]],
    ['inner spaces are kept (the parser collapses them)', 'blacklist ~/My  Files\n', [{ line: 1, col: 1, text: 'blacklist ~/My  Files' }]],
  ];
  for (const [name, text, want] of cases) {
    test(name, () => {
      const r = lexProfile(text);
      expect(r.problems).toEqual([]);
      expect(r.lines).toEqual(want);
    });
  }

  test('a control character is an error at its position, and the line is skipped', () => {
    const r = lexProfile('quiet\n  bla\u001b[31mck\nseccomp\n');
    expect(r.lines.map((l) => l.text)).toEqual(['quiet', 'seccomp']);
    expect(r.problems).toEqual([{ line: 2, col: 6, message: 'control character U+001B in a profile line' }]);
  });

  test('a control character inside a comment is harmless', () => {
    expect(lexProfile('# \u0007 bell\nquiet\n').problems).toEqual([]);
  });

  test('an overlong line is an error, not a hang', () => {
    const long = `blacklist /${'a'.repeat(1_000_000)}`;
    const started = performance.now();
    const r = lexProfile(`quiet\n${long}\nseccomp\n`);
    expect(performance.now() - started).toBeLessThan(1000);
    expect(r.lines.map((l) => l.text)).toEqual(['quiet', 'seccomp']);
    expect(r.problems).toHaveLength(1);
    expect(r.problems[0]?.line).toBe(2);
    expect(r.problems[0]?.message).toContain(`limit is ${MAX_LINE_LENGTH}`);
  });

  test('many short lines lex in linear time', () => {
    const text = 'nonewprivs\n'.repeat(200_000);
    const started = performance.now();
    expect(lexProfile(text).lines).toHaveLength(200_000);
    expect(performance.now() - started).toBeLessThan(2000);
  });
});

describe('decodeProfile', () => {
  const enc = (s: string) => new TextEncoder().encode(s);
  test('UTF-8 text decodes, BOM dropped', () => {
    expect(decodeProfile(enc('\ufeffblacklist ~/Téléchargement\n'))).toEqual({ kind: 'text', text: 'blacklist ~/Téléchargement\n' });
  });

  const bad: [string, Uint8Array, number, number][] = [
    ['a NUL byte', Uint8Array.from([0x71, 0x0a, 0x61, 0x00, 0x62]), 2, 2],
    ['a stray continuation byte', Uint8Array.from([0x61, 0x0a, 0x0a, 0x62, 0x80]), 3, 2],
    ['an overlong encoding', Uint8Array.from([0xc0, 0xaf]), 1, 1],
    ['a surrogate', Uint8Array.from([0x61, 0xed, 0xa0, 0x80]), 1, 2],
    ['a truncated sequence at the end', Uint8Array.from([0x61, 0x62, 0xe2, 0x82]), 1, 3],
    ['Latin-1 text', Uint8Array.from([0x62, 0x6c, 0xe9, 0x0a]), 1, 3],
  ];
  for (const [name, bytes, line, col] of bad) {
    test(`${name} is rejected with its position`, () => {
      const r = decodeProfile(bytes);
      expect(r.kind).toBe('invalid');
      if (r.kind === 'invalid') expect([r.line, r.col]).toEqual([line, col]);
    });
  }

  test('firstInvalidUtf8 accepts every valid width and U+10FFFF', () => {
    expect(firstInvalidUtf8(enc('a é € 𝄞 \u{10ffff}'))).toBe(-1);
    expect(firstInvalidUtf8(Uint8Array.from([0xf4, 0x90, 0x80, 0x80]))).toBe(0); // above U+10FFFF
  });
});
