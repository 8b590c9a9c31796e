import { describe, expect, test } from 'bun:test';
import type { CliDirective } from './cli.ts';
import { UsageError } from '../errors.ts';
import { parseCliDirectives } from './cli.ts';
import { formatDiagnostic, quote, type Diagnostic } from './diagnostics.ts';
import { fakeEnv } from './testing.ts';

const opt = (text: string): CliDirective => {
  const eq = text.indexOf('=');
  return eq < 0 ? { name: text.slice(2), value: undefined, text } : { name: text.slice(2, eq), value: text.slice(eq + 1), text };
};
const parse = (...args: string[]) => parseCliDirectives(args.map(opt), fakeEnv());

describe('command-line directives', () => {
  test('profile commands become directives with a command-line origin', () => {
    const r = parse('--private-dev', '--caps.drop=all', '--blacklist=~/x');
    expect(r.directives).toEqual([
      { kind: 'private-dev', origin: { kind: 'cli', option: '--private-dev' } },
      { kind: 'caps.drop', caps: 'all', origin: { kind: 'cli', option: '--caps.drop=all' } },
      { kind: 'blacklist', written: '~/x', paths: ['/home/u/x'], origin: { kind: 'cli', option: '--blacklist=~/x' } },
    ]);
  });

  test('--ignore and --include steer the loader; --appimage sets its condition', () => {
    const r = parse('--ignore=net   eth0', '--ignore=seccomp', '--include=/etc/x.inc', '--appimage');
    expect(r.ignores).toEqual(['net eth0', 'seccomp']);
    expect(r.includes).toEqual(['/etc/x.inc']);
    expect(r.appimage).toBe(true);
    expect(r.directives).toEqual([]);
  });

  test('Firejail options that are not profile commands are passed through by name', () => {
    expect(parse('--trace', '--output=log', '--appimage').cliOnly.map((c) => c.name)).toEqual(['trace', 'output', 'appimage']);
  });

  test('every malformed option is reported, in one usage error', () => {
    let err: unknown;
    try {
      parse('--hostname=', '--nonewprivs=yes', '--ignore=', '--protocol=unix,ipx');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(UsageError);
    expect((err as UsageError).message.split('\nkiln: ')).toEqual([
      "option '--hostname=': hostname: invalid host name ''",
      "option '--nonewprivs=yes': 'nonewprivs' takes no argument (got 'yes')",
      "option '--ignore' needs a command: --ignore=COMMAND",
      "option '--protocol=unix,ipx': protocol: unknown protocol 'ipx'; known: unix, inet, inet6, netlink, packet, bluetooth",
    ]);
  });
});

describe('diagnostics', () => {
  const d: Diagnostic = {
    severity: 'error',
    message: 'bad',
    file: '/p/a.inc',
    line: 3,
    col: 7,
    includedFrom: [{ file: '/p/b.inc', line: 2, col: 9 }, { file: '/p/c.profile', line: 1, col: 9 }],
  };

  test('print like a compiler, innermost include first', () => {
    expect(formatDiagnostic(d)).toBe('/p/a.inc:3:7: bad\n  included from /p/b.inc:2:9\n  included from /p/c.profile:1:9');
    expect(formatDiagnostic({ ...d, severity: 'warning', includedFrom: [] })).toBe('/p/a.inc:3:7: warning: bad');
    const { line: _l, col: _c, ...whole } = d;
    expect(formatDiagnostic({ ...whole, includedFrom: [] })).toBe('/p/a.inc: bad');
  });

  test('untrusted text cannot reach the terminal as control characters', () => {
    expect(quote('a\u001b[2Jb\u202ec')).toBe("'a\\u001b[2Jb\\u202ec'");
    expect(formatDiagnostic({ ...d, file: '/p/\u001b]0;x\u0007', includedFrom: [] })).toBe('/p/\\u001b]0;x\\u0007:3:7: bad');
    expect(quote('x'.repeat(200))).toHaveLength(83);
  });
});
