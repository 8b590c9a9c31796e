/**
 * Policy + HostFacts → LaunchPlan. Pure: no file system access except through `facts.fs` (a read-only,
 * cacheable view), no clock, no environment reads, so a profile → plan golden test needs no sandbox.
 */
import type { Policy } from '../policy/policy.ts';
import type { HostFacts } from '../host/facts.ts';
import { bwrapCapName, keptCapabilities } from './caps.ts';
import { planFilesystem } from './filesystem.ts';
import { planLimits, planRlimits } from './limits.ts';
import { HostError, UsageError } from '../errors.ts';
import type { FsPlan } from './filesystem.ts';
import { lookupProgram } from './lookup.ts';
import { MountTree } from './tree.ts';
import { compileSeccomp } from './seccomp.ts';
import { applyEnvChanges } from './env.ts';
import { CHROOT_AT, chrootWarnings } from './chroot.ts';
import type { EnvChanges, InitPlan, InitStep, LaunchPlan, Namespace, PreExecStep, SignalReset, Supervisor } from './types.ts';
import type { AppImageFile } from '../host/appimage.ts';
import { planNetwork } from '../net/plan.ts';
import { tracelogFilter } from '../tracelog/filter.ts';
import { archFromNode } from '../seccomp/arch.ts';
import { encodeProgram } from '../seccomp/bpf.ts';
import type { TracelogPlan } from './types.ts';
import { decideAppArmor } from './apparmor.ts';

export interface LaunchRequest {
  /**
   * The program as the user named it (a name to search on PATH, or a path) and its arguments. The plan's
   * argv[0] is where the sandbox shows it (plan/lookup.ts).
   */
  readonly argv: readonly string[];
  /**
   * --appimage: argv[0] is this AppImage (read in the host-facts stage), and the program is its AppRun,
   * from squashfuse's mount (src/desktop/appimage.ts).
   */
  readonly appimage?: AppImageFile;
}

/** How long the program has after --timeout's SIGTERM before everything is killed, as --shutdown allows. */
const TIMEOUT_GRACE_SECONDS = 10;

function planNamespaces(policy: Policy, facts: HostFacts): Namespace[] {
  const ns: Namespace[] = [];
  // NOTE: bwrap implies a user namespace when it is not setuid and the caller is not root; naming it
  // keeps the plan explicit and lets --debug show it.
  if (!facts.isRoot) ns.push('user');
  ns.push('pid');
  if (policy.ipcNamespace) ns.push('ipc');
  if (policy.hostname !== undefined) ns.push('uts');
  // NOTE: `net none` is not bwrap's: the init stage makes that namespace (see planNetworkSteps). A network
  // with interfaces is bwrap's, so that kiln's set-up stage can reach it from outside before the program runs.
  if (policy.net.kind === 'interfaces') ns.push('net');
  return ns;
}

const CAP_DAC_OVERRIDE = 1;
const CAP_DAC_READ_SEARCH = 2;
const CAP_SETPCAP = 8;
const CAP_NET_ADMIN = 12;
const CAP_SYS_ADMIN = 21;
const CAP_SYS_RESOURCE = 24;

interface CapsPlan {
  readonly drop: string[];
  readonly add: string[];
  readonly preExec: PreExecStep[];
  /** What the program finally keeps, when something must be dropped. */
  readonly keep: number[] | undefined;
}

/**
 * Capabilities. bwrap drops them from the process sets; for root, kiln narrows the bounding set before
 * exec (see plan/caps.ts). When the init stage runs, bwrap must leave it CAP_SYS_ADMIN (for its mounts)
 * and CAP_SETPCAP (to empty the bounding set afterwards); the init then drops to `keep`.
 */
function planCapabilities(policy: Policy, facts: HostFacts, withInit: boolean, raiseLimits: boolean, network: boolean, interfaces: boolean): CapsPlan {
  // The init stage walks into directories the profile made mode 0000 to remount what is beneath them.
  const initCaps = withInit ? [CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH, CAP_SETPCAP, CAP_SYS_ADMIN] : [];
  // Bringing loopback up in the namespace it makes.
  if (network) initCaps.push(CAP_NET_ADMIN);
  // Root may raise a hard limit; the init stage sets limits, so it keeps CAP_SYS_RESOURCE until then.
  if (raiseLimits && facts.isRoot) initCaps.push(CAP_SETPCAP, CAP_SYS_RESOURCE);
  if (!facts.isRoot) {
    // Unprivileged: no capabilities on the host whatever happens; inside the user namespace bwrap keeps
    // none unless asked, and empties the bounding set.
    return { drop: [], add: initCaps.map(bwrapCapName), preExec: [], keep: initCaps.length > 0 ? [] : undefined };
  }
  const wanted = keptCapabilities(policy.caps, facts.capLastCap);
  if (wanted === undefined && initCaps.length === 0) return { drop: [], add: [], preExec: [], keep: undefined };
  const all = Array.from({ length: facts.capLastCap + 1 }, (_, i) => i);
  // NOTE: asking bwrap to keep a capability kiln itself lacks makes bwrap's capset fail, and bwrap then
  // leaves the sandbox with every capability it had. Only ever ask for what we hold.
  const held = (c: number) => ((facts.capPermitted >> BigInt(c)) & 1n) === 1n;
  // NOTE: a root program with CAP_NET_ADMIN could undo its interfaces' set-up and flush its network filter;
  // with a network of interfaces it never keeps it, whatever the profile says.
  const keep = (wanted ?? all).filter((c) => held(c) && !(interfaces && c === CAP_NET_ADMIN));
  const forBwrap = [...new Set([...keep, ...initCaps])].filter(held).sort((a, b) => a - b);
  return {
    drop: ['ALL'],
    add: forBwrap.map(bwrapCapName),
    preExec: [{ kind: 'cap-bounding', keep: forBwrap, lastCap: facts.capLastCap }],
    keep,
  };
}

/** What the policy asks that this host or caller cannot give, said once per launch. */
function planWarnings(policy: Policy, facts: HostFacts): string[] {
  const w: string[] = [];
  if (policy.noroot && facts.isRoot) w.push('noroot option is not available when running as root');
  if (policy.net.kind === 'netns' && (policy.netfilter !== undefined || policy.netfilter6 !== undefined)) {
    w.push(`netfilter is not loaded into the named namespace ${policy.net.name}, which other programs share; configure its firewall with ip netns exec`);
  }
  if (policy.nogroups && !facts.isRoot) {
    w.push('nogroups: an unprivileged user namespace cannot drop supplementary groups (they show as nogroup but still grant access)');
  }
  return w;
}

/**
 * `net none` (and, until they are enforced, the other network kinds): the init stage unshares the network
 * namespace and mounts a sysfs of its own over the host's, so that /sys/class/net shows only `lo`, as
 * under Firejail; then it hides again what the baseline hid under /sys.
 * NOTE: bwrap's --unshare-net would make the namespace in bwrap's first user namespace, but an unprivileged
 * sandbox with --dev runs the program (and the init stage) in a second one nested below it, and a sysfs
 * can only be mounted from the user namespace that owns the network namespace.
 */
function planNetworkSteps(policy: Policy, fs: FsPlan): { steps: InitStep[]; movedHides: ReadonlySet<string> } {
  if (policy.net.kind === 'host') return { steps: [], movedHides: new Set() };
  // With interfaces, bwrap makes the namespace and the set-up stage mounts the sysfs (src/net/setup.ts).
  // A named namespace (root only) is entered before the exec (a pre-exec step); the init stage, already in
  // it, mounts a sysfs that shows it.
  const kind = policy.net.kind;
  const steps: InitStep[] = kind === 'none' ? [{ kind: 'unshare-net' }] : [];
  const movedHides = new Set<string>();
  if (fs.showsHost('/sys')) {
    if (kind !== 'interfaces') steps.push({ kind: 'sysfs', dest: '/sys' });
    // NOTE: the kernel lets a user namespace mount a sysfs only where one is already fully visible: no
    // mount it inherits locked may cover anything but an empty directory. So bwrap leaves /sys whole and
    // the init stage hides these after its own sysfs is in place.
    for (const p of fs.report.blacklisted) {
      if (!p.startsWith('/sys/')) continue;
      steps.push({ kind: 'hide', dest: p });
      movedHides.add(p);
    }
  }
  return { steps, movedHides };
}

/**
 * `--netns=NAME`: kiln's own process enters /run/netns/NAME (made with `ip netns add`) before the exec, so
 * bwrap and the sandbox start in it. Entering a namespace the host's root owns needs root; an unprivileged
 * caller is refused rather than left on the host's network.
 */
function namedNetns(name: string, facts: HostFacts): PreExecStep {
  if (!facts.isRoot) throw new UsageError(`--netns=${name}: joining a named network namespace needs root; an unprivileged sandbox can use --net=IFACE (user-mode networking)`);
  return { kind: 'setns-net', path: `/run/netns/${name}` };
}

/*
 * NOTE (user-mode networking): bwrap maps the caller to uid 0 in its first user namespace only when it
 * mounts a /dev of its own (--dev), and then runs the program in a second one mapped back to the caller.
 * The set-up stage's tools (ip, iptables-restore, mount) run in that first namespace, which owns the
 * sandbox's network namespace, and keep their capabilities across exec only as its uid 0. So a plan with
 * user-mode networking and no --dev gets one first, which the profile's own /dev (the host's) then covers.
 */

/** Where the sandbox's tree is while bwrap's process waits: under --chroot, not yet at its root. */
function chrootDirFor(facts: HostFacts): string {
  return facts.chroot !== undefined ? CHROOT_AT : '';
}

/** The PATH execvp will search in the sandbox: the program's environment's, or execvp's default. */
function sandboxPath(policy: Policy, facts: HostFacts): string | undefined {
  const set = policy.env.filter(([k]) => k === 'PATH').at(-1);
  if (set !== undefined) return set[1];
  return policy.rmenv.includes('PATH') ? undefined : facts.env['PATH'];
}

/** The host file a name would run on the host itself (private-lib's first guess, before the sandbox's tree). */
function hostCandidate(facts: HostFacts, name: string, pathVar: string | undefined): string | undefined {
  const host = new MountTree();
  host.mount('/', { kind: 'host', src: '/' });
  const found = lookupProgram(host, facts.fs, name, pathVar, facts.cwd, facts.selfExe);
  return found.kind === 'found' ? found.host : undefined;
}

/** The program's place in the sandbox, or a usage error that says where it was looked for. */
function findProgram(fs: FsPlan, name: string, pathVar: string | undefined, cwd: string, chroot: string | undefined): { path: string; host: string } {
  const found = fs.lookup(name, pathVar, cwd);
  if (found.kind === 'found') return found;
  const where = `${chroot !== undefined ? ` in the chroot ${chroot}` : ''}${name.includes('/') ? '' : ` (searched PATH=${pathVar ?? '/bin:/usr/bin'})`}`;
  if (found.noexec.length > 0 && found.hidden.length === 0) {
    throw new UsageError(`cannot run ${name}: ${found.noexec[0]} is on a noexec mount in the sandbox${where}`, 126);
  }
  if (found.hidden.length > 0) {
    throw new UsageError(`program not found in the sandbox: ${name}; the profile hides ${found.hidden.join(', ')}${where}`, 127);
  }
  throw new UsageError(`program not found: ${name}${where}`, 127);
}

/**
 * coreutils' env resets the signals when the sandbox shows it unchanged and nothing it must do could be
 * refused: no seccomp list of the user's (a keep list, or drops that might name rt_sigaction), and no
 * `=` in the program's path, which env would take for an assignment.
 */
function chooseSignalReset(policy: Policy, facts: HostFacts, fs: FsPlan, program: string, initRuns: boolean): SignalReset {
  const sc = policy.seccomp;
  const userLists = sc !== undefined && (sc.keep !== undefined || sc.keep32 !== undefined || sc.drop !== undefined || sc.drop32 !== undefined || sc.extraDrop.length > 0 || sc.extraDrop32.length > 0);
  if (initRuns || userLists || program.includes('=') || !fs.runsHostFile(facts.tools.env)) return { kind: 'init' };
  return { kind: 'env', path: facts.tools.env };
}

function planSupervisor(policy: Policy, facts: HostFacts): Supervisor {
  const { tini, env, timeout, setpriv } = facts.tools;
  if (policy.timeoutSeconds === undefined) return { tini, env };
  if (timeout === undefined || setpriv === undefined) {
    throw new UsageError(`--timeout needs coreutils' timeout and util-linux's setpriv, and ${timeout === undefined ? 'timeout' : 'setpriv'} was not found`);
  }
  return { tini, env, timeout: { timeout, setpriv, seconds: policy.timeoutSeconds, graceSeconds: TIMEOUT_GRACE_SECONDS } };
}

/**
 * Firejail drops private-bin and private-lib for an AppImage: what the program needs is in the image, and
 * the lists name host programs and libraries. kiln does the same, and says so.
 */
function forAppImage(policy: Policy): { policy: Policy; warnings: string[] } {
  const dropped = (['private-bin', 'private-lib'] as const).filter((c) => (c === 'private-bin' ? policy.privateBin : policy.privateLib) !== undefined);
  if (dropped.length === 0) return { policy, warnings: [] };
  const { privateBin: _b, privateLib: _l, ...rest } = policy;
  return { policy: rest, warnings: [`${dropped.join(' and ')} ${dropped.length > 1 ? 'do' : 'does'} not apply to an AppImage, as in Firejail`] };
}

/** The filesystem plan and the program in it: the AppImage's AppRun, or the named program looked up. */
function planProgram(policy: Policy, facts: HostFacts, request: LaunchRequest): { fs: FsPlan; argv: string[] } {
  const [name, ...args] = request.argv as [string, ...string[]];
  if (request.appimage !== undefined) {
    const fs = planFilesystem(policy, facts, undefined, request.appimage);
    if (fs.appimage === undefined) throw new TypeError('an AppImage launch plans its mount');
    return { fs, argv: [fs.appimage.program, ...args] };
  }
  const pathVar = sandboxPath(policy, facts);
  const hint = hostCandidate(facts, name, pathVar);
  let fs = planFilesystem(policy, facts, hint);
  const chrootDir = facts.chroot?.dir;
  let program = findProgram(fs, name, pathVar, facts.cwd, chrootDir);
  if (program.host !== hint && policy.privateLib) {
    // private-lib brought in the libraries of the host's first candidate; the sandbox runs another.
    fs = planFilesystem(policy, facts, program.host);
    program = findProgram(fs, name, pathVar, facts.cwd, chrootDir);
  }
  return { fs, argv: [program.path, ...args] };
}

/**
 * `tracelog`: what the init stage loads and the supervisor reports. The blacklist is the tree's, so a
 * path counts exactly when the sandbox hides it (noblacklist and whitelist exemptions never reach it).
 */
function planTracelog(policy: Policy, facts: HostFacts, fs: FsPlan): TracelogPlan | undefined {
  if (!policy.tracelog) return undefined;
  const arch = archFromNode(facts.arch);
  if (arch === undefined || arch === 'i386') throw new UsageError(`tracelog is not supported on ${facts.arch}`);
  return { filter: encodeProgram(tracelogFilter(arch)), hidden: fs.report.blacklisted, shown: fs.beneathHidden };
}

export function planLaunch(requested: Policy, facts: HostFacts, request: LaunchRequest): LaunchPlan {
  const adjusted = request.appimage === undefined ? { policy: requested, warnings: [] } : forAppImage(requested);
  // The network first: it decides the sandbox's resolv.conf (user-mode networking's DNS forwarder).
  const network0 = planNetwork(adjusted.policy, facts, undefined);
  const policy = network0.dns === adjusted.policy.dns ? adjusted.policy : { ...adjusted.policy, dns: network0.dns };
  const { fs, argv } = planProgram(policy, facts, request);
  const network = network0.plan === undefined ? undefined : { ...network0.plan, ...(fs.showsHost('/sys') ? { sysfs: `${chrootDirFor(facts)}/sys` } : {}) };
  const program = { path: argv[0] ?? '' };
  const chrootDir = facts.chroot?.dir;
  const rlimits = planRlimits(policy);
  const supervisor = planSupervisor(policy, facts);
  const net = planNetworkSteps(policy, fs);
  const netSteps = net.steps;
  const chdir = policy.privateCwd?.kind === 'dir' ? policy.privateCwd.dir : policy.privateCwd?.kind === 'home' ? facts.home : fs.cwd;
  // Under --chroot the init stage always runs, and pivots into the chroot first (plan/chroot.ts).
  const pivot: InitStep[] = chrootDir !== undefined ? [{ kind: 'pivot-root', dir: CHROOT_AT, cwd: chdir }] : [];
  const initSteps = [...pivot, ...netSteps, ...fs.initSteps];
  const mounts0 = net.movedHides.size === 0 ? fs.mounts : fs.mounts.filter((m) => !net.movedHides.has(m.dest));
  const mounts = network?.mode === 'user' && !mounts0.some((m) => m.kind === 'dev') ? [{ kind: 'dev', dest: '/dev' } as const, ...mounts0] : mounts0;
  const mountInit = initSteps.length > 0;
  const apparmor = decideAppArmor(policy, facts.apparmor);
  if (apparmor.kind === 'refuse') throw new HostError(apparmor.message);
  // With --timeout, bwrap's processes start with the signals timeout handles blocked, which env cannot undo.
  // The init stage waits for the network's set-up stage, and refuses to start the program if it failed.
  // It alone can ask for an AppArmor profile on the program's exec; tracelog's listener comes from it too.
  const tracelog = planTracelog(policy, facts, fs);
  const initRuns = mountInit || rlimits.length > 0 || supervisor.timeout !== undefined || network !== undefined || apparmor.kind === 'confine' || tracelog !== undefined;
  const signalReset = chooseSignalReset(policy, facts, fs, program.path, initRuns);
  const withInit = signalReset.kind === 'init';
  // The AppImage runtime's variables before the profile's `env`, which may still change them.
  const envChanges: EnvChanges = { unset: [...policy.rmenv, ...fs.sockets.unsetEnv], set: [...fs.sockets.setEnv, ...(fs.appimage?.setEnv ?? []), ...policy.env] };
  const caps = planCapabilities(policy, facts, mountInit, rlimits.length > 0, netSteps.some((s) => s.kind === 'unshare-net'), network !== undefined);
  // NOTE: bwrap loads its filter before exec'ing the init stage, whose mount calls the filter would
  // refuse; so when the init stage runs, it loads the filter itself, last.
  const filter = compileSeccomp(policy.seccomp, facts.arch, withInit ? 'init' : 'bwrap');
  const blobs = [...fs.blobs];
  const seccompBlobs = withInit ? [] : filter.programs.map((p) => blobs.push(p) - 1);
  // Without mounts or limits to raise, bwrap sets the program's capabilities, as it does without the init.
  const capsByBwrap = !mountInit && !(rlimits.length > 0 && facts.isRoot);
  const init: InitPlan | undefined = withInit
    ? {
        steps: initSteps,
        keepCaps: caps.keep ?? [],
        lastCap: facts.capLastCap,
        seccomp: filter.programs,
        rlimits,
        capsByBwrap,
        ...(network !== undefined ? { awaitNetwork: true } : {}),
        ...(apparmor.kind === 'confine' ? { apparmor: apparmor.request } : {}),
        ...(tracelog !== undefined ? { tracelog } : {}),
      }
    : undefined;
  return {
    bwrapPath: facts.bwrap.path,
    namespaces: planNamespaces(policy, facts),
    mounts,
    ...(policy.hostname !== undefined ? { hostname: policy.hostname } : {}),
    capDrop: caps.drop,
    capAdd: caps.add,
    chdir,
    env: applyEnvChanges(facts.env, envChanges),
    envChanges,
    argv,
    dieWithParent: true,
    newSession: false,
    blobs,
    copies: fs.copies,
    seccomp: seccompBlobs,
    // Limits first: the bounding-set step gives up CAP_SYS_RESOURCE, which raising a limit needs.
    preExec: [
      ...planLimits(policy),
      ...caps.preExec,
      ...(fs.sockets.scopeAbstract ? [{ kind: 'landlock-scope-abstract' } as const] : []),
      ...(policy.nogroups && facts.isRoot ? [{ kind: 'drop-groups' } as const] : []),
      ...(policy.net.kind === 'netns' ? [namedNetns(policy.net.name, facts)] : []),
    ],
    warnings: [...planWarnings(policy, facts), ...(apparmor.kind === 'unconfined' ? [apparmor.warning] : []), ...adjusted.warnings, ...network0.warnings, ...fs.sockets.warnings, ...(chrootDir !== undefined ? chrootWarnings(policy, facts.home) : [])],
    // The AppImage's mount first: it is the program itself, and mounts in milliseconds.
    helpers: [...(fs.appimage !== undefined ? [fs.appimage.helper] : []), ...fs.sockets.helpers],
    supervisor,
    signalReset,
    ...(init !== undefined ? { init } : {}),
    ...(policy.output !== undefined ? { output: { file: policy.output.file.startsWith('/') ? policy.output.file : `${facts.cwd === '/' ? '' : facts.cwd}/${policy.output.file}`, stderr: policy.output.stderr } } : {}),
    ...(chrootDir !== undefined ? { rootAt: CHROOT_AT } : {}),
    ...(network !== undefined ? { network } : {}),
    missing: fs.missing,
    ...(apparmor.kind === 'absent' || apparmor.kind === 'confine' || policy.tracelogOff !== undefined
      ? { notes: [...(apparmor.kind === 'absent' || apparmor.kind === 'confine' ? [apparmor.note] : []), ...(policy.tracelogOff !== undefined ? [policy.tracelogOff] : [])] }
      : {}),
    fsReport: fs.report,
  };
}
