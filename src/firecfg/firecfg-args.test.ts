import { describe, expect, test } from 'bun:test';
import { UsageError } from '../errors.ts';
import { absoluteDir, parseFirecfgArgs } from './firecfg-args.ts';

describe('firecfg options', () => {
  test.each([
    [[], { action: { kind: 'links' }, debug: false }],
    [['--bindir=/opt/bin', '--debug'], { action: { kind: 'links' }, bindir: '/opt/bin', debug: true }],
    [['--list', '--bindir=x'], { action: { kind: 'list' }, bindir: 'x', debug: false }],
    [['--clean'], { action: { kind: 'clean' }, debug: false }],
    [['--fix', '--applications-dir=/a'], { action: { kind: 'fix' }, applicationsDir: '/a', debug: false }],
    [['--fix-sound'], { action: { kind: 'fix-sound' }, debug: false }],
    [['--add-users', 'bob', '--list'], { action: { kind: 'add-users', users: ['bob', '--list'] }, debug: false }],
    [['-?'], { action: { kind: 'help' }, debug: false }],
    [['--version'], { action: { kind: 'version' }, debug: false }],
  ])('%o', (args, req) => {
    expect(parseFirecfgArgs(args)).toEqual(req as never);
  });

  test.each([
    [['--lst'], /unknown option '--lst' \(did you mean '--list'\?\)/],
    [['--bindir'], /--bindir needs a directory/],
    [['--bindir='], /--bindir needs a directory/],
    [['--list=yes'], /--list takes no value/],
    [['--list', '--clean'], /--list and --clean cannot be used together/],
    [['firefox'], /unexpected argument 'firefox'/],
    [['--guide'], /--guide .* not available/],
  ])('%o is a usage error', (args, message) => {
    expect(() => parseFirecfgArgs(args)).toThrow(UsageError);
    expect(() => parseFirecfgArgs(args)).toThrow(message);
  });

  test('directory arguments: ~ is the home, relative is under the working directory, . and .. are resolved', () => {
    expect(absoluteDir('~/bin', '/w', '/home/u')).toBe('/home/u/bin');
    expect(absoluteDir('bin/../lib/', '/w', '/home/u')).toBe('/w/lib');
    expect(absoluteDir('/usr/local/bin', '/w', undefined)).toBe('/usr/local/bin');
    expect(() => absoluteDir('~/bin', '/w', undefined)).toThrow(UsageError);
  });
});
