/**
 * argv → Invocation. Firejail's syntax: `kiln [OPTIONS] [--] [program [args…]]`. Options are `--name` or
 * `--name=value`; the first word that is not an option starts the program. Options that are also profile
 * commands (`--private-dev`, `--caps.drop=all`) become CLI directives for the policy resolver; the rest are
 * kiln's own.
 */
import { UsageError } from '../errors.ts';
import type { CliDirective } from '../profile/cli.ts';
import type { TraceKind } from '../net/trace-format.ts';
import { BUILD_TRACE_OPTION, type TraceRequest } from '../trace/request.ts';
import type { PrintWhat } from '../registry/print.ts';
import { FIREJAIL_SURFACE } from '../profile/surface.ts';
import { didYouMean } from '../suggest.ts';

export type Action =
  | { readonly kind: 'run' }
  | { readonly kind: 'help' }
  | { readonly kind: 'version' }
  | { readonly kind: 'profile-check'; readonly target: string }
  | { readonly kind: 'profile-explain'; readonly target: string }
  /** `kiln --firecfg ARGS…`, or kiln run as `firecfg`: the words after it are firecfg's own (src/firecfg/firecfg.ts). */
  | { readonly kind: 'firecfg'; readonly args: readonly string[] }
  /** --ids-init, --ids-check: the file-integrity database (src/ids). */
  | { readonly kind: 'ids'; readonly mode: 'init' | 'check' }
  /** `--build[=FILE]`: trace the program once and write a profile for it (src/build). */
  | { readonly kind: 'build'; readonly file?: string }
  | ManageAction;

/**
 * Commands on running sandboxes (src/registry) and the static tables. `target` is NAME|PID as typed;
 * `option` is the option as typed (`--join`), for messages.
 */
export type ManageAction =
  | { readonly kind: 'list' | 'tree'; readonly format: 'text' | 'json' }
  | { readonly kind: 'top' }
  | { readonly kind: 'join'; readonly mode: 'all' | 'filesystem' | 'network'; readonly target: string; readonly option: string }
  | { readonly kind: 'shutdown'; readonly target: string }
  | { readonly kind: 'ls' | 'get'; readonly target: string; readonly path: string }
  | { readonly kind: 'put'; readonly target: string; readonly src: string; readonly dest: string }
  | { readonly kind: 'print'; readonly what: PrintWhat; readonly target: string; readonly option: string }
  | { readonly kind: 'cat'; readonly target: string; readonly path: string }
  /** --net.print, --netfilter.print, --netfilter6.print, --dns.print: read live from the sandbox (src/net/print.ts). */
  | { readonly kind: 'net-print'; readonly what: NetPrintWhat; readonly target: string; readonly option: string }
  | { readonly kind: 'netstats' }
  /** `--bandwidth=NAME|PID set IFACE DOWN UP | clear IFACE | status`: the words are parsed by src/net/bandwidth.ts. */
  | { readonly kind: 'bandwidth'; readonly target: string; readonly words: readonly string[] }
  /** --nettrace, --dnstrace, --icmptrace, --snitrace: tcpdump in the sandbox's network namespace (src/net/trace.ts). */
  | { readonly kind: 'trace'; readonly what: TraceKind; readonly target: string; readonly option: string }
  | { readonly kind: 'debug-table'; readonly table: 'syscalls' | 'syscalls32' | 'errnos' | 'protocols' | 'caps' };

export type NetPrintWhat = 'net' | 'netfilter' | 'netfilter6' | 'dns';

export type DebugFs = 'blacklists' | 'whitelists' | 'private-lib';

export interface Invocation {
  readonly action: Action;
  readonly quiet: boolean;
  readonly debug: boolean;
  /** --debug-blacklists, --debug-whitelists, --debug-private-lib: print what those rules came to. */
  readonly debugFs: readonly DebugFs[];
  readonly noprofile: boolean;
  readonly profile?: string;
  readonly directives: readonly CliDirective[];
  /** Program and arguments; empty means "the user's shell". Under --appimage: the AppImage file and its arguments. */
  readonly program: readonly string[];
  /** --appimage: program[0] is an AppImage file, mounted and run (src/desktop/appimage.ts). */
  readonly appimage: boolean;
  /** --trace[=FILE], or the profile builder's own traced run; absent: no tracing (src/trace). */
  readonly trace?: TraceRequest;
}


/** Options whose value is optional (`--trace`, `--trace=FILE`): parsed here, never handed to the policy. */
export const OPTIONAL_VALUE_OPTIONS: readonly string[] = ['build', 'trace'];

/** kiln's own options, with whether they take a value. */
export const KILN_OPTIONS: Readonly<Record<string, 'flag' | 'value'>> = {
  help: 'flag',
  version: 'flag',
  quiet: 'flag',
  debug: 'flag',
  noprofile: 'flag',
  profile: 'value',
  'profile.check': 'value',
  'profile.explain': 'value',
  'ids-init': 'flag',
  'ids-check': 'flag',
  // running sandboxes (Firejail's MONITORING, JOIN and FILE TRANSFER commands)
  list: 'flag',
  tree: 'flag',
  top: 'flag',
  json: 'flag',
  join: 'value',
  'join-filesystem': 'value',
  'join-network': 'value',
  shutdown: 'value',
  ls: 'value',
  get: 'value',
  put: 'value',
  'profile.print': 'value',
  'seccomp.print': 'value',
  'caps.print': 'value',
  'protocol.print': 'value',
  'fs.print': 'value',
  'cpu.print': 'value',
  'apparmor.print': 'value',
  cat: 'value',
  'net.print': 'value',
  'netfilter.print': 'value',
  'netfilter6.print': 'value',
  'dns.print': 'value',
  netstats: 'flag',
  bandwidth: 'value',
  nettrace: 'value',
  dnstrace: 'value',
  icmptrace: 'value',
  snitrace: 'value',
  'debug-syscalls': 'flag',
  'debug-syscalls32': 'flag',
  'debug-errnos': 'flag',
  'debug-protocols': 'flag',
  'debug-caps': 'flag',
  'debug-blacklists': 'flag',
  'debug-whitelists': 'flag',
  'debug-private-lib': 'flag',
};

/** A management option as parsed, before its positional arguments (--ls PATH, --put SRC DEST) are known. */
type PendingManage = { readonly option: string; readonly value: string };

/** The program words become the action's arguments for --ls, --get and --put. */
function manageAction(p: PendingManage, json: boolean, words: readonly string[]): { action: ManageAction; program: readonly string[] } {
  const { option, value } = p;
  const name = option.slice(2);
  const args = (count: number, usage: string): string[] => {
    if (words.length !== count) throw new UsageError(`${option} needs ${usage}: kiln ${option}=${value === '' ? 'NAME|PID' : value} ${usage}`);
    return [...words];
  };
  const done = (action: ManageAction, program: readonly string[] = []) => {
    if (json && action.kind !== 'list' && action.kind !== 'tree') throw new UsageError(`--json works only with --list and --tree, not with ${option}`);
    if (action.kind !== 'join' && program.length > 0) throw new UsageError(`${option} takes no program (got '${program[0]}')`);
    return { action, program };
  };
  switch (name) {
    case 'list':
    case 'tree':
      return done({ kind: name, format: json ? 'json' : 'text' }, words);
    case 'top':
      return done({ kind: 'top' }, words);
    case 'join':
      return done({ kind: 'join', mode: 'all', target: value, option }, words);
    case 'join-filesystem':
      return done({ kind: 'join', mode: 'filesystem', target: value, option }, words);
    case 'join-network':
      return done({ kind: 'join', mode: 'network', target: value, option }, words);
    case 'shutdown':
      return done({ kind: 'shutdown', target: value }, words);
    case 'ls':
    case 'get': {
      const [path = ''] = args(1, 'PATH');
      return done({ kind: name, target: value, path });
    }
    case 'put': {
      const [src = '', dest = ''] = args(2, 'SRC DEST');
      return done({ kind: 'put', target: value, src, dest });
    }
    case 'profile.print':
    case 'seccomp.print':
    case 'caps.print':
    case 'protocol.print':
    case 'fs.print':
    case 'cpu.print':
    case 'apparmor.print':
      return done({ kind: 'print', what: name.slice(0, -'.print'.length) as PrintWhat, target: value, option }, words);
    case 'net.print':
    case 'netfilter.print':
    case 'netfilter6.print':
    case 'dns.print':
      return done({ kind: 'net-print', what: name.slice(0, -'.print'.length) as NetPrintWhat, target: value, option }, words);
    case 'netstats':
      return done({ kind: 'netstats' }, words);
    case 'bandwidth':
      if (words.length === 0) throw new UsageError(`${option} needs set IFACE DOWNLOAD UPLOAD, clear IFACE or status: kiln ${option}=${value} status`);
      return done({ kind: 'bandwidth', target: value, words });
    case 'cat': {
      const [path = ''] = args(1, 'FILE');
      return done({ kind: 'cat', target: value, path });
    }
    case 'nettrace':
    case 'dnstrace':
    case 'icmptrace':
    case 'snitrace':
      return done({ kind: 'trace', what: name.slice(0, -'trace'.length) as TraceKind, target: value, option }, words);
    case 'debug-syscalls':
    case 'debug-syscalls32':
    case 'debug-errnos':
    case 'debug-protocols':
    case 'debug-caps':
      return done({ kind: 'debug-table', table: name.slice('debug-'.length) as 'syscalls' | 'syscalls32' | 'errnos' | 'protocols' | 'caps' }, words);
    default:
      throw new TypeError(`${option} is not a management option`);
  }
}

/** Names valid after `--`: kiln's own options and every Firejail command that Firejail accepts as an option. */
export function knownOptionNames(): string[] {
  const names = new Set(Object.keys(KILN_OPTIONS));
  for (const [name, where] of Object.entries(FIREJAIL_SURFACE)) if (where.cli || where.profile) names.add(name);
  return [...names];
}

export function parseArgs(argv: readonly string[]): Invocation {
  // firecfg takes its own options (--list, --clean, …), which are not kiln's.
  if (argv[0] === '--firecfg') return { action: { kind: 'firecfg', args: argv.slice(1) }, quiet: false, debug: false, debugFs: [], noprofile: false, directives: [], program: [], appimage: false };
  let action: Action = { kind: 'run' };
  let quiet = false;
  let debug = false;
  const debugFs: DebugFs[] = [];
  let noprofile = false;
  let profile: string | undefined;
  let manage: PendingManage | undefined;
  let json = false;
  let trace: TraceRequest | undefined;
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
    if (OPTIONAL_VALUE_OPTIONS.includes(name) || name === BUILD_TRACE_OPTION) {
      // An optional value: --trace and --trace=FILE, --build and --build=FILE.
      if (value === '' || (name === BUILD_TRACE_OPTION && value === undefined)) throw new UsageError(`option '--${name}' needs a file name after '=': --${name}=FILE`);
      if (trace !== undefined && name !== 'build') throw new UsageError(`--${name} cannot be given twice, or with --build`);
      if (name === 'build') action = { kind: 'build', ...(value !== undefined ? { file: value } : {}) };
      else trace = name === 'trace' ? { kind: 'relay', ...(value !== undefined ? { file: value } : {}) } : { kind: 'raw', path: value ?? '' };
      continue;
    }
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
        case 'debug-blacklists':
        case 'debug-whitelists':
        case 'debug-private-lib':
          debugFs.push(name.slice('debug-'.length) as DebugFs);
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
        case 'json':
          json = true;
          break;
        case 'ids-init':
        case 'ids-check':
          action = { kind: 'ids', mode: name === 'ids-init' ? 'init' : 'check' };
          break;
        default:
          if (manage !== undefined) throw new UsageError(`${manage.option} and --${name} cannot be used together`);
          manage = { option: `--${name}`, value: value ?? '' };
      }
      continue;
    }
    if (FIREJAIL_SURFACE[name] !== undefined) {
      directives.push({ name, value, text: arg });
      continue;
    }
    throw new UsageError(`unknown option '--${name}'${didYouMean(name, knownOptionNames(), '--')}`);
  }
  let program: readonly string[] = argv.slice(i);
  if (manage !== undefined && action.kind === 'run') {
    // Sandbox options describe a sandbox to start; on a running one they would silently do nothing.
    const stray = directives[0]?.text ?? (profile !== undefined ? `--profile=${profile}` : noprofile ? '--noprofile' : undefined);
    if (stray !== undefined) throw new UsageError(`${stray} has no effect with ${manage.option}`);
    ({ action, program } = manageAction(manage, json, program));
  } else if (json) {
    throw new UsageError('--json works only with --list and --tree');
  }
  if (action.kind === 'ids' && (program.length > 0 || directives.length > 0)) {
    throw new UsageError(`--ids-${action.mode} takes no program and no sandbox options (got '${program[0] ?? directives[0]?.text}')`);
  }
  if (action.kind === 'build') {
    if (trace !== undefined) throw new UsageError('--build traces the program itself; it cannot be combined with --trace');
    if (program.length === 0) throw new UsageError('--build needs a program: kiln --build[=FILE] PROGRAM [ARGS…]');
  }
  if (trace !== undefined && action.kind !== 'run') throw new UsageError('--trace works only when starting a program');
  const appimage = directives.find((d) => d.name === 'appimage');
  if (appimage !== undefined && action.kind === 'run') {
    if (appimage.value !== undefined) throw new UsageError(`option '--appimage' takes no value (got '${appimage.text}'): kiln [OPTIONS] --appimage FILE [ARGS…]`);
    if (program.length === 0) throw new UsageError('--appimage needs a file: kiln [OPTIONS] --appimage FILE [ARGS…]');
  }
  return {
    action,
    quiet,
    debug,
    debugFs,
    noprofile,
    ...(profile !== undefined ? { profile } : {}),
    directives,
    program,
    appimage: appimage !== undefined,
    ...(trace !== undefined ? { trace } : {}),
  };
}
