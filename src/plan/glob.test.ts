import { describe, expect, test } from 'bun:test';
import { fakeFsView } from '../host/fsview.ts';
import { expandGlob, matchComponent, matchPath } from './glob.ts';

describe('glob', () => {
  test.each([
    ['*', 'abc', true],
    ['*', '.hidden', false],
    ['.*', '.hidden', true],
    ['gcc*', 'gcc-12', true],
    ['gcc*', 'g++', false],
    ['a?c', 'abc', true],
    ['[ab]x', 'bx', true],
    ['[!ab]x', 'bx', false],
    ['[!ab]x', 'cx', true],
    ['.moz*', '.mozilla', true],
  ])('%s matches %s: %p', (pattern, name, expected) => {
    expect(matchComponent(pattern, name)).toBe(expected);
  });

  test('a star does not cross a slash', () => {
    expect(matchPath('/home/u/*', '/home/u/a/b')).toBe(false);
    expect(matchPath('/home/u/*/b', '/home/u/a/b')).toBe(true);
    expect(matchPath('/home/u/.ssh', '/home/u/.ssh/')).toBe(true);
  });

  test('expansion lists only existing paths, sorted', () => {
    const fs = fakeFsView({
      '/usr/bin/gcc': 'file',
      '/usr/bin/gcc-12': 'file',
      '/usr/bin/g++': 'file',
      '/home/u/.mozilla': 'dir',
      '/home/u/.moz2': 'dir',
      '/home/u/moz': 'dir',
    });
    expect(expandGlob('/usr/bin/gcc*', fs)).toEqual(['/usr/bin/gcc', '/usr/bin/gcc-12']);
    expect(expandGlob('/home/u/.moz*', fs)).toEqual(['/home/u/.moz2', '/home/u/.mozilla']);
    expect(expandGlob('/home/*/.mozilla', fs)).toEqual(['/home/u/.mozilla']);
    expect(expandGlob('/nope/*', fs)).toEqual([]);
    expect(expandGlob('/home/u/moz', fs)).toEqual(['/home/u/moz']);
    expect(expandGlob('/home/u/missing', fs)).toEqual([]);
  });
});
