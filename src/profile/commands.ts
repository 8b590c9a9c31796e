/**
 * Every command of the profile language, with the shape of its argument. One table serves profile lines
 * and command-line options alike, so `blacklist ~/x` and `--blacklist=~/x` cannot drift apart.
 *
 * The tables are keyed by DirectiveKind, so the compiler insists that every directive has exactly one
 * entry and that each entry's parser builds the directive of its own command.
 */
import { didYouMean } from '../suggest.ts';
import { quote } from './diagnostics.ts';
import type { Origin } from './diagnostics.ts';
import type { Directive, DirectiveBody, DirectiveKind, FlagCommand } from './directive.ts';
import { ArgumentError } from './values.ts';
import { FS_COMMANDS } from './commands-fs.ts';
import { SECURITY_COMMANDS } from './commands-security.ts';
import { NET_COMMANDS } from './commands-net.ts';
import { MISC_COMMANDS } from './commands-misc.ts';
import type { ArgSpec, ArgTable, ParseContext } from './argspec.ts';

export type { ParseContext } from './argspec.ts';

const FLAGS: { readonly [P in FlagCommand]: true } = {
  'allow-debuggers': true,
  allusers: true,
  'apparmor-replace': true,
  'apparmor-stack': true,
  caps: true,
  'deterministic-exit-code': true,
  'deterministic-shutdown': true,
  'disable-mnt': true,
  'ipc-namespace': true,
  'keep-config-pulse': true,
  'keep-dev-shm': true,
  'keep-var-tmp': true,
  'machine-id': true,
  'memory-deny-write-execute': true,
  netlock: true,
  no3d: true,
  noautopulse: true,
  nodbus: true,
  nodvd: true,
  nogroups: true,
  noinput: true,
  nonewprivs: true,
  noprinters: true,
  noroot: true,
  nosound: true,
  notv: true,
  nou2f: true,
  novideo: true,
  'private-cache': true,
  'private-dev': true,
  'private-tmp': true,
  quiet: true,
  'seccomp.block-secondary': true,
  tab: true,
  tracelog: true,
  'writable-etc': true,
  'writable-run-user': true,
  'writable-var': true,
  'writable-var-log': true,
};

type ArgCommand = Exclude<DirectiveKind, FlagCommand>;

const ARG_COMMANDS: ArgTable<ArgCommand> = {
  ...FS_COMMANDS,
  ...SECURITY_COMMANDS,
  ...NET_COMMANDS,
  ...MISC_COMMANDS,
};

/** Structural commands the loader handles itself. */
export const STRUCTURAL = ['include', 'ignore'] as const;

export const COMMAND_NAMES: readonly string[] = [...Object.keys(FLAGS), ...Object.keys(ARG_COMMANDS), ...STRUCTURAL].sort();

function isFlag(name: string): name is FlagCommand {
  return Object.hasOwn(FLAGS, name);
}

function isArgCommand(name: string): name is ArgCommand {
  return Object.hasOwn(ARG_COMMANDS, name);
}

export function isCommand(name: string): name is DirectiveKind {
  return isFlag(name) || isArgCommand(name);
}

/** Why a command could not be parsed; `at` says whether the command word or its argument is at fault. */
export class CommandError {
  constructor(
    readonly at: 'command' | 'argument',
    readonly message: string,
  ) {}
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/**
 * Parses one command and its argument (undefined when the line has none) into a directive from `origin`.
 * Returns, rather than throws, a CommandError: a bad line is data to report, and this runs per line.
 */
export function parseCommand(name: string, arg: string | undefined, ctx: ParseContext, origin: Origin): Directive | CommandError {
  if (isFlag(name)) {
    if (arg !== undefined) return new CommandError('argument', `'${name}' takes no argument (got ${quote(arg)})`);
    return { kind: name, origin };
  }
  if (!isArgCommand(name)) return new CommandError('command', `unknown command ${quote(name)}${didYouMean(name, COMMAND_NAMES)}`);
  const spec: ArgSpec<ArgCommand> = ARG_COMMANDS[name];
  let body: DirectiveBody;
  try {
    switch (spec.arg) {
      case 'required':
        if (arg === undefined) return new CommandError('command', `'${name}' needs an argument`);
        body = spec.parse(arg, ctx);
        break;
      case 'optional':
        body = spec.parse(arg, ctx);
        break;
    }
  } catch (e) {
    if (e instanceof ArgumentError) return new CommandError('argument', `${name}: ${e.message}`);
    throw e;
  }
  // NOTE: every parser builds a fresh object, so the origin is attached in place instead of copying the
  // body: this runs for each of the thousands of lines a launch reads.
  (body as Mutable<Directive>).origin = origin;
  return body as Directive;
}
