/**
 * argv → Invocation. Firejail's syntax: `kiln [OPTIONS] [--] [program [args…]]`. Options are `--name` or
 * `--name=value`; the first word that is not an option starts the program. Options that are also profile
 * commands (`--private-dev`, `--caps.drop=all`) become CLI directives for the policy resolver; the rest are
 * kiln's own.
 */
import { UsageError } from '../errors.ts';
import { FIREJAIL_SURFACE } from './surface.ts';
import { didYouMean } from './suggest.ts';

/** A profile command given on the command line. */
export interface CliDirective {
  readonly name: string;
  /** undefined for a bare `--name`; the text after `=` otherwise (possibly empty). */
  readonly value: string | undefined;
  /** The option exactly as the user typed it, for messages. */
  readonly text: string;
}

export type Action =
  | { readonly kind: 'run' }
  | { readonly kind: 'help' }
  | { readonly kind: 'version' }
  | { readonly kind: 'profile-check'; readonly target: string }
  | { readonly kind: 'profile-explain'; readonly target: string };

export interface Invocation {
  readonly action: Action;
  readonly quiet: boolean;
  readonly debug: boolean;
  readonly noprofile: boolean;
  readonly profile?: string;
  readonly directives: readonly CliDirective[];
  /** Program and arguments; empty means "the user's shell". */
  readonly program: readonly string[];
}

/** kiln's own options, with whether they take a value. */
const KILN_OPTIONS: Readonly<Record<string, 'flag' | 'value'>> = {
  help: 'flag',
  version: 'flag',
  quiet: 'flag',
  debug: 'flag',
  noprofile: 'flag',
  profile: 'value',
  'profile.check': 'value',
  'profile.explain': 'value',
};

/** Names valid after `--`: kiln's own options and every Firejail command that Firejail accepts as an option. */
export function knownOptionNames(): string[] {
  const names = new Set(Object.keys(KILN_OPTIONS));
  for (const [name, where] of Object.entries(FIREJAIL_SURFACE)) if (where.cli || where.profile) names.add(name);
  return [...names];
}

export function parseArgs(argv: readonly string[]): Invocation {
  let action: Action = { kind: 'run' };
  let quiet = false;
  let debug = false;
  let noprofile = false;
  let profile: string | undefined;
  const directives: CliDirective[] = [];
  let i = 0;
  for (; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    if (arg === '--') {
      i++;
      break;
    }
    if (!arg.startsWith('-') || arg === '-') break;
    if (arg === '-h' || arg === '-?') {
      action = { kind: 'help' };
      continue;
    }
    if (!arg.startsWith('--')) {
      throw new UsageError(`unknown option '${arg}'; options are written --name or --name=value`);
    }
    const eq = arg.indexOf('=');
    const name = eq < 0 ? arg.slice(2) : arg.slice(2, eq);
    const value = eq < 0 ? undefined : arg.slice(eq + 1);
    const own = KILN_OPTIONS[name];
    if (own !== undefined) {
      if (own === 'flag' && value !== undefined) throw new UsageError(`option '--${name}' takes no value (got '${arg}')`);
      if (own === 'value' && (value === undefined || value === '')) {
        throw new UsageError(`option '--${name}' needs a value: --${name}=VALUE`);
      }
      switch (name) {
        case 'help':
          action = { kind: 'help' };
          break;
        case 'version':
          action = { kind: 'version' };
          break;
        case 'quiet':
          quiet = true;
          break;
        case 'debug':
          debug = true;
          break;
        case 'noprofile':
          noprofile = true;
          break;
        case 'profile':
          profile = value;
          break;
        case 'profile.check':
          action = { kind: 'profile-check', target: value ?? '' };
          break;
        case 'profile.explain':
          action = { kind: 'profile-explain', target: value ?? '' };
          break;
      }
      continue;
    }
    if (FIREJAIL_SURFACE[name] !== undefined) {
      directives.push({ name, value, text: arg });
      continue;
    }
    throw new UsageError(`unknown option '--${name}'${didYouMean(name, knownOptionNames(), '--')}`);
  }
  return {
    action,
    quiet,
    debug,
    noprofile,
    ...(profile !== undefined ? { profile } : {}),
    directives,
    program: argv.slice(i),
  };
}
