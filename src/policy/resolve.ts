/**
 * Directives → Policy. The profile's directives are folded first, in the order read (includes expanded),
 * then the command line's: for a single value the last one wins, so an option overrides the profile, as
 * firejail(1) describes. Lists accumulate. `noblacklist`/`nowhitelist` follow exemptions.ts.
 */
import { assertNever, UsageError } from '../errors.ts';
import type { Diagnostic, IncludeChain, Origin } from '../profile/diagnostics.ts';
import type { Directive, DirectiveKind } from '../profile/directive.ts';
import type { ActiveDirective, IgnoredLine } from '../profile/load.ts';
import { finishDraft, newDraft, type Draft } from './draft.ts';
import { isEnforced } from './enforced.ts';
import { foldFs, type FsKind, type Scope } from './fold-fs.ts';
import { foldMisc, type MiscKind } from './fold-misc.ts';
import { foldNet, type NetKind } from './fold-net.ts';
import { foldSecurity, type SecurityKind } from './fold-security.ts';
import type { Policy } from './policy.ts';

/**
 * Rules every sandbox gets, after all others: the profile directories of the user stay read-only, so that
 * a sandboxed program cannot rewrite the profile of its next launch (Firejail protects its own the same
 * way, in C rather than in a profile). The system directories are root's already.
 * NOTE: a directory that does not exist yet is not protected: the planner skips absent paths, and the
 * program could create it. Closing that needs a mount at an absent path (issue 4).
 */
function protectConfig(draft: Draft, home: string | undefined): void {
  if (home === undefined || home === '/' || home === '') return;
  const origin: Origin = { kind: 'builtin', what: 'protection of the profile directories' };
  for (const dir of ['.config/kiln', '.config/firejail']) draft.fs.push({ kind: 'read-only', path: `${home}/${dir}`, origin });
}

export interface ResolveInput {
  /** The profile's directives, as the loader returns them; empty for --noprofile. */
  readonly profile: readonly ActiveDirective[];
  /** Profile commands given as command-line options. */
  readonly cli: readonly Directive[];
  /** Firejail options that are not profile commands (`--trace`, `--appimage`, …), by name and as typed. */
  readonly cliOnly?: readonly { readonly name: string; readonly option: string; readonly value?: string }[];
  readonly files?: readonly string[];
  readonly ignored?: readonly IgnoredLine[];
  /** The user's home, for the rules every sandbox gets; undefined leaves them out (unit tests). */
  readonly home?: string;
}

export interface Resolution {
  readonly policy: Policy;
  /** Errors (a policy with errors must not be used) and warnings. */
  readonly diagnostics: readonly Diagnostic[];
}

type Group = 'fs' | 'security' | 'net' | 'misc';

/** Which fold handles each directive. The type makes every entry match the fold's own kind list. */
const GROUP: {
  readonly [K in DirectiveKind]: K extends FsKind ? 'fs' : K extends SecurityKind ? 'security' : K extends NetKind ? 'net' : K extends MiscKind ? 'misc' : never;
} = {
  blacklist: 'fs', 'blacklist-nolog': 'fs', noblacklist: 'fs', whitelist: 'fs', 'whitelist-ro': 'fs', nowhitelist: 'fs',
  'read-only': 'fs', 'read-write': 'fs', noexec: 'fs', tmpfs: 'fs', mkdir: 'fs', mkfile: 'fs', bind: 'fs',
  private: 'fs', 'private-home': 'fs', 'private-bin': 'fs', 'private-etc': 'fs', 'private-lib': 'fs',
  'private-opt': 'fs', 'private-srv': 'fs', 'private-cwd': 'fs', 'hosts-file': 'fs', 'private-cache': 'fs',
  'private-dev': 'fs', 'private-tmp': 'fs', 'disable-mnt': 'fs', 'keep-dev-shm': 'fs', 'keep-var-tmp': 'fs',
  'keep-config-pulse': 'fs', noautopulse: 'fs', 'writable-etc': 'fs', 'writable-var': 'fs', 'writable-var-log': 'fs',
  'writable-run-user': 'fs', allusers: 'fs', 'machine-id': 'fs', no3d: 'fs', nodvd: 'fs', nosound: 'fs', notv: 'fs',
  nou2f: 'fs', novideo: 'fs', noinput: 'fs', noprinters: 'fs',
  caps: 'security', 'caps.drop': 'security', 'caps.keep': 'security', nonewprivs: 'security', noroot: 'security',
  nogroups: 'security', seccomp: 'security', 'seccomp.32': 'security', 'seccomp.drop': 'security',
  'seccomp.32.drop': 'security', 'seccomp.keep': 'security', 'seccomp.32.keep': 'security',
  'seccomp.block-secondary': 'security', 'seccomp-error-action': 'security', 'memory-deny-write-execute': 'security',
  'allow-debuggers': 'security', protocol: 'security', 'restrict-namespaces': 'security', apparmor: 'security',
  'apparmor-replace': 'security', 'apparmor-stack': 'security', x11: 'security', 'xephyr-screen': 'security',
  'dbus-user': 'security', 'dbus-system': 'security', 'dbus-user.own': 'security', 'dbus-user.talk': 'security',
  'dbus-user.see': 'security', 'dbus-user.call': 'security', 'dbus-user.broadcast': 'security',
  'dbus-system.own': 'security', 'dbus-system.talk': 'security', 'dbus-system.see': 'security',
  'dbus-system.call': 'security', 'dbus-system.broadcast': 'security', nodbus: 'security', tracelog: 'security',
  net: 'net', netns: 'net', 'veth-name': 'net', ip: 'net', ip6: 'net', iprange: 'net', dns: 'net', defaultgw: 'net',
  netmask: 'net', mac: 'net', mtu: 'net', netfilter: 'net', netfilter6: 'net', netlock: 'net', hostname: 'net',
  quiet: 'misc', env: 'misc', rmenv: 'misc', shell: 'misc', name: 'misc', 'join-or-start': 'misc',
  'ipc-namespace': 'misc', cpu: 'misc', nice: 'misc', 'rlimit-as': 'misc', 'rlimit-cpu': 'misc',
  'rlimit-fsize': 'misc', 'rlimit-nofile': 'misc', 'rlimit-nproc': 'misc', 'rlimit-sigpending': 'misc',
  timeout: 'misc', 'keep-fd': 'misc', 'deterministic-exit-code': 'misc', 'deterministic-shutdown': 'misc', tab: 'misc',
};

function fold(draft: Draft, d: Directive, scope: Scope, chain: IncludeChain): void {
  // The casts are sound: GROUP's type ties each kind to the fold that lists it.
  const group: Group = GROUP[d.kind];
  switch (group) {
    case 'fs':
      foldFs(draft, d as Directive & { kind: FsKind }, scope, chain);
      break;
    case 'security':
      foldSecurity(draft, d as Directive & { kind: SecurityKind });
      break;
    case 'net':
      foldNet(draft, d as Directive & { kind: NetKind }, chain);
      break;
    case 'misc':
      foldMisc(draft, d as Directive & { kind: MiscKind });
      break;
    default:
      assertNever(group);
  }
  if (!isEnforced(d)) draft.notEnforced.push({ command: d.kind, origin: d.origin });
}

/** Firejail options that are not profile commands but shape the sandbox; the rest are not enforced yet. */
function foldCliOnly(draft: Draft, o: { readonly name: string; readonly option: string; readonly value?: string }): void {
  switch (o.name) {
    case 'dbus-user.log':
      draft.dbusUser.log = o.option;
      return;
    case 'dbus-system.log':
      draft.dbusSystem.log = o.option;
      return;
    case 'appimage':
      // The launch mounts the file and runs its AppRun (src/desktop/appimage.ts); profiles see ?HAS_APPIMAGE.
      return;
    case 'dbus-log':
      if (o.value === undefined || o.value === '') throw new UsageError(`option '--dbus-log' needs a file: --dbus-log=FILE`);
      draft.p.dbusLogFile = o.value;
      return;
    case 'output':
    case 'output-stderr':
      if (o.value === undefined || o.value === '') throw new UsageError(`option '--${o.name}' needs a file: --${o.name}=FILE`);
      if (draft.p.output !== undefined) throw new UsageError(`${o.option}: only one of --output and --output-stderr may be given`);
      draft.p.output = { file: o.value, stderr: o.name === 'output-stderr' };
      return;
    case 'oom': {
      const n = o.value === undefined || !/^-?\d{1,4}$/.test(o.value) ? NaN : Number(o.value);
      if (!(n >= -1000 && n <= 1000)) throw new UsageError(`option '${o.option}' needs a score adjustment from -1000 to 1000: --oom=N`);
      draft.p.oomScoreAdj = n;
      return;
    }
    case 'chroot':
      if (o.value === undefined || o.value === '') throw new UsageError(`option '--chroot' needs a directory: --chroot=DIR`);
      draft.p.chroot = o.value;
      return;
    case 'interface': {
      // A host device moved into the sandbox's namespace (root only; src/net/plan.ts), beside any `net`.
      if (o.value === undefined || !/^[A-Za-z0-9._-]{1,15}$/.test(o.value)) throw new UsageError(`option '--interface' needs a network device name: --interface=IFACE`);
      if (draft.p.net.kind !== 'interfaces') {
        draft.interfaces.length = 0;
        draft.p.net = { kind: 'interfaces', interfaces: [] };
      }
      if (draft.interfaces.some((i) => i.device === o.value)) throw new UsageError(`${o.option}: interface '${o.value}' is given twice`);
      if (draft.interfaces.length >= 4) throw new UsageError(`${o.option}: at most 4 network interfaces can be given`);
      draft.interfaces.push({ device: o.value, move: true });
      return;
    }
    default:
      draft.notEnforced.push({ command: o.name, origin: { kind: 'cli', option: o.option } });
  }
}

/** D-Bus rules only act under `dbus-* filter`; say so rather than drop them quietly. */
function checkBusRules(draft: Draft): void {
  for (const [bus, state] of [['dbus-user', draft.dbusUser], ['dbus-system', draft.dbusSystem]] as const) {
    if (state.log !== undefined && state.mode !== 'filter') {
      draft.diagnostics.push(warning({ kind: 'cli', option: state.log }, `${state.log} has no effect without ${bus} filter`));
    }
    if (state.mode === 'filter' || state.rules.length === 0) continue;
    const first = state.rules[0];
    if (first === undefined) continue;
    const why = state.mode === 'none' ? `${bus} none is set` : `there is no '${bus} filter'`;
    draft.diagnostics.push(warning(first.origin, `${state.rules.length} ${bus} rule(s) have no effect: ${why}`));
  }
}

function warning(origin: Origin, message: string): Diagnostic {
  switch (origin.kind) {
    case 'profile':
      return { severity: 'warning', message, file: origin.file, line: origin.line, col: origin.col, includedFrom: [] };
    case 'cli':
      return { severity: 'warning', message, file: origin.option, includedFrom: [] };
    case 'builtin':
      return { severity: 'warning', message, file: origin.what, includedFrom: [] };
  }
}

export function resolvePolicy(input: ResolveInput): Resolution {
  const draft = newDraft();
  draft.p.profiles = input.files ?? [];
  for (const d of input.cli) {
    if (d.kind === 'noblacklist') for (const path of d.paths) draft.noBlacklist.cli.add(path, d.origin);
    if (d.kind === 'nowhitelist') for (const path of d.paths) draft.noWhitelist.cli.add(path, d.origin);
  }
  for (const { directive, chain } of input.profile) fold(draft, directive, 'profile', chain);
  for (const d of input.cli) fold(draft, d, 'cli', []);
  for (const o of input.cliOnly ?? []) foldCliOnly(draft, o);
  draft.p.ignored = (input.ignored ?? []).map((i) => ({
    text: i.text,
    pattern: i.pattern,
    origin: { kind: 'profile', file: i.at.file, line: i.at.line, col: i.at.col },
  }));
  checkBusRules(draft);
  protectConfig(draft, input.home);
  return { policy: finishDraft(draft), diagnostics: draft.diagnostics };
}
