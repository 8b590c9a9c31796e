import { describe, expect, test } from 'bun:test';
import { UsageError } from '../errors.ts';
import { parseArgs } from './args.ts';

describe('management options', () => {
  test.each([
    [['--list'], { kind: 'list', format: 'text' }],
    [['--json', '--tree'], { kind: 'tree', format: 'json' }],
    [['--top'], { kind: 'top' }],
    [['--join=web'], { kind: 'join', mode: 'all', target: 'web', option: '--join' }],
    [['--join-network=7'], { kind: 'join', mode: 'network', target: '7', option: '--join-network' }],
    [['--shutdown=web'], { kind: 'shutdown', target: 'web' }],
    [['--ls=web', '/tmp'], { kind: 'ls', target: 'web', path: '/tmp' }],
    [['--put=web', 'a', '/b'], { kind: 'put', target: 'web', src: 'a', dest: '/b' }],
    [['--seccomp.print=web'], { kind: 'print', what: 'seccomp', target: 'web', option: '--seccomp.print' }],
    [['--debug-syscalls32'], { kind: 'debug-table', table: 'syscalls32' }],
  ])('%o', (argv, action) => {
    expect(parseArgs(argv).action).toEqual(action as never);
  });

  test('--debug-blacklists, --debug-whitelists and --debug-private-lib are launch options', () => {
    const inv = parseArgs(['--debug-blacklists', '--debug-private-lib', 'true']);
    expect(inv.action).toEqual({ kind: 'run' });
    expect(inv.debugFs).toEqual(['blacklists', 'private-lib']);
    expect(inv.directives).toEqual([]);
    expect(() => parseArgs(['--debug-whitelists=yes'])).toThrow(UsageError);
  });

  test('--join keeps its program; --ls and --put take exactly their paths', () => {
    expect(parseArgs(['--join=web', 'ls', '-l']).program).toEqual(['ls', '-l']);
    expect(parseArgs(['--ls=web', '/tmp']).program).toEqual([]);
    expect(() => parseArgs(['--ls=web'])).toThrow('--ls needs PATH');
    expect(() => parseArgs(['--put=web', 'a'])).toThrow('--put needs SRC DEST');
    expect(() => parseArgs(['--list', 'ls'])).toThrow("--list takes no program (got 'ls')");
  });

  test.each([
    [['--join'], "option '--join' needs a value"],
    [['--list', '--tree'], '--list and --tree cannot be used together'],
    [['--json'], '--json works only with --list and --tree'],
    [['--json', '--join=web'], '--json works only with --list and --tree, not with --join'],
    [['--private', '--join=web'], '--private has no effect with --join'],
    [['--profile=firefox', '--list'], '--profile=firefox has no effect with --list'],
  ])('%o is a usage error', (argv, message) => {
    expect(() => parseArgs(argv)).toThrow(UsageError);
    expect(() => parseArgs(argv)).toThrow(message);
  });

  test('--join-or-start stays a profile command, for the resolver', () => {
    const inv = parseArgs(['--join-or-start=web', 'sh']);
    expect(inv.action).toEqual({ kind: 'run' });
    expect(inv.directives.map((d) => d.name)).toEqual(['join-or-start']);
  });
});

describe('--appimage', () => {
  test('FILE and its arguments are the program words; the option stays a directive for ?HAS_APPIMAGE', () => {
    const inv = parseArgs(['--quiet', '--appimage', 'Krita.AppImage', '--private', 'x']);
    expect(inv.appimage).toBe(true);
    expect(inv.program).toEqual(['Krita.AppImage', '--private', 'x']);
    expect(inv.directives.map((d) => d.name)).toEqual(['appimage']);
    expect(parseArgs(['Krita.AppImage']).appimage).toBe(false);
  });

  test('without a file, or with a value, it is a usage error', () => {
    expect(() => parseArgs(['--appimage'])).toThrow(UsageError);
    expect(() => parseArgs(['--appimage', '--'])).toThrow(UsageError);
    expect(() => parseArgs(['--appimage=x', 'f.AppImage'])).toThrow(UsageError);
  });
});
