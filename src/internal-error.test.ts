import { describe, expect, test } from 'bun:test';
import { debugRequested, formatInternalError } from './internal-error.ts';

describe('debugRequested', () => {
  test.each([
    [['--debug', 'true'], {}, true],
    [['--quiet', '--debug', '--join=x'], {}, true],
    [['--quiet', 'prog', '--debug'], {}, false], // the program's own option
    [['--', '--debug'], {}, false],
    [['true'], { KILN_DEBUG: '1' }, true],
    [['true'], { KILN_DEBUG: '0' }, false],
  ] as const)('%j with %j: %p', (argv, env, want) => {
    expect(debugRequested(argv, env)).toBe(want);
  });
});

describe('formatInternalError', () => {
  test('one line without the stack; the stack follows when asked for', () => {
    const e = new TypeError('first\nsecond');
    expect(formatInternalError(e, 'kiln', false)).toBe('kiln: internal error: first second\n');
    const withStack = formatInternalError(e, 'kiln: init', true);
    expect(withStack.startsWith('kiln: init: internal error: first second\nTypeError: first\nsecond\n    at ')).toBe(true);
    expect(formatInternalError('thrown string', 'kiln', true)).toBe('kiln: internal error: thrown string\n');
  });
});
