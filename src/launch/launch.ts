/**
 * A launch: register the sandbox, prepare bwrap's fds, hand the process over. If anything fails before
 * the exec, the registry entry is removed again, so no half-started sandbox is ever listed.
 */
import { SyscallError } from '../errors.ts';
import type { LaunchPlan } from '../plan/types.ts';
import { joinFields, type RegistryEntry, type RegistryNetwork } from '../registry/entry.ts';
import { describeFilesystem } from '../plan/fs-log.ts';
import { startOutputRelay } from './output.ts';
import { processStartTime, pruneIfCrowded, readEntries, removeFile, removeHelperDir, writeEntry } from '../registry/store.ts';
import { mkdirAll, openForWriting } from '../sys/fs.ts';
import { startHelpers, type StartedHelpers } from '../helpers/start.ts';
import { startNetworkSetup, type StartedNetwork } from '../net/start.ts';
import type { NetPlan } from '../net/types.ts';
import { execBwrap, prepareExec } from './exec.ts';
import { callerIgnored, planSignals } from './signals.ts';
import { checkLimits } from './pre-exec.ts';
import { HostError } from '../errors.ts';
import { isExecutableFile } from '../sys/fs.ts';
import { libc } from '../sys/libc.ts';
import { startTracelog } from '../tracelog/start.ts';
import { DEFAULT_SYSLOG_SOCKET } from '../tracelog/syslog.ts';
import type { TraceRequest } from '../trace/request.ts';
import { startTrace } from '../trace/start.ts';

/**
 * A cached plan names tini and env by path; if one has gone since, say which package brings it back
 * rather than let env fail after the sandbox was registered.
 */
function checkTools(plan: LaunchPlan): void {
  for (const [path, pkg] of [[plan.supervisor.env, 'coreutils'], [plan.supervisor.tini, 'tini']] as const) {
    if (!isExecutableFile(path)) throw new HostError(`${path} is missing; kiln needs it to supervise the sandbox: install the ${pkg} package (apt-get install ${pkg})`);
  }
}

export interface LaunchMeta {
  readonly registryDir: string;
  readonly uid: number;
  readonly user: string;
  readonly name: string;
  readonly command: readonly string[];
  readonly profiles: readonly string[];
  readonly cwd: string;
  readonly caps: readonly number[] | 'unchanged';
  readonly protocols?: readonly string[];
  readonly keepFds: readonly number[];
  /** --quiet (or `quiet`): the init stage's warnings are silenced too. */
  readonly quiet: boolean;
  readonly warn: (line: string) => void;
  /** A line for --debug (helper start times). */
  readonly debug: (line: string) => void;
  /** --trace, or --build's traced run (src/trace). */
  readonly trace?: TraceRequest;
  /** Called with bwrap's argv just before exec (for --debug and the startup message). */
  readonly beforeExec: (argv: readonly string[]) => void;
}

/** A name already taken by a live sandbox becomes NAME-PID, as in Firejail. */
function uniqueName(meta: LaunchMeta): string {
  if (meta.name === '') return '';
  const live = readEntries(meta.registryDir);
  return live.some((l) => l.entry.name === meta.name) ? `${meta.name}-${process.pid}` : meta.name;
}

/**
 * The sandbox's helper directory, `PID.d` beside its registry entry: fresh, mode 0700, the caller's. A
 * leftover of an earlier process with the same pid is removed first.
 */
function makeHelperDir(registryDir: string): string {
  const dir = `${registryDir}/${process.pid}.d`;
  mkdirAll(registryDir, 0o700);
  removeHelperDir(dir);
  mkdirAll(dir, 0o700);
  return dir;
}

function startPlanHelpers(plan: LaunchPlan, meta: LaunchMeta): { dir: string; started: StartedHelpers } | undefined {
  // slirp4netns (user-mode networking) writes its messages there too; --ip=dhcp keeps the lease's
  // resolv.conf there, and udhcpc's event script (a link to kiln).
  const net = plan.network;
  const dhcp = net?.interfaces.some((i) => i.address.kind === 'dhcp') === true;
  if (plan.helpers.length === 0 && net?.mode !== 'user' && !dhcp) return undefined;
  const dir = makeHelperDir(meta.registryDir);
  try {
    // The bind's source must exist before bwrap runs: empty, mode 0600 (a root sandbox reads it); the
    // set-up stage fills it in place.
    if (net?.dhcpResolv === true) libc().close(openForWriting(`${dir}/resolv.conf`, false));
    const callerEnv = Object.entries(process.env).flatMap(([k, v]) => (v === undefined ? [] : [`${k}=${v}`]));
    const started = startHelpers(plan.helpers, dir, callerEnv);
    for (const h of started.helpers) meta.debug(`helper ${h.name} (pid ${h.pid}) ready in ${h.startMs.toFixed(1)} ms`);
    for (const h of started.oneShots) meta.debug(`helper ${h.name} (pid ${h.pid}) done in ${h.startMs.toFixed(1)} ms`);
    return { dir, started };
  } catch (e) {
    removeHelperDir(dir);
    throw e;
  }
}

function registryNetwork(plan: LaunchPlan): RegistryNetwork {
  const net = plan.network;
  if (net === undefined) throw new TypeError('a plan with a network');
  return {
    mode: net.mode,
    interfaces: net.mode === 'user' ? [{ name: net.user?.name ?? 'eth0', device: 'slirp4netns' }] : net.interfaces.map((i) => ({ name: i.name, device: i.device })),
    ...(net.filter4 !== undefined ? { filter4: net.filter4.source } : {}),
    ...(net.filter6 !== undefined ? { filter6: net.filter6.source } : {}),
    dns: net.dns,
  };
}

function startNetwork(net: NetPlan, meta: LaunchMeta, name: string, helperDir: string | undefined): StartedNetwork {
  const started = startNetworkSetup({
    plan: net,
    name: name !== '' ? name : String(process.pid),
    ...(helperDir !== undefined ? { helperDir } : {}),
    ...(helperDir !== undefined && net.mode === 'user' ? { log: `${helperDir}/slirp4netns.log` } : {}),
  });
  meta.debug(`network set-up stage (pid ${started.pid}): ${net.mode === 'user' ? 'slirp4netns' : net.interfaces.map((i) => `${i.kind} on ${i.device}`).join(', ')}`);
  return started;
}

/** DISPLAY=:N for the X display the launch chose; recorded in the entry's environment, for --join. */
function withDisplay(plan: LaunchPlan, display: number | undefined): LaunchPlan {
  if (display === undefined) return plan;
  const value = `:${display}`;
  return {
    ...plan,
    env: [...plan.env.filter((e) => !e.startsWith('DISPLAY=')), `DISPLAY=${value}`],
    envChanges: { ...plan.envChanges, set: [...plan.envChanges.set.filter(([k]) => k !== 'DISPLAY'), ['DISPLAY', value]] },
  };
}

export function launch(planned: LaunchPlan, meta: LaunchMeta): never {
  const name = uniqueName(meta);
  // tracelog's supervisor before anything else, so that its start overlaps the rest of the launch: the
  // program's first call waits for it. If kiln fails or dies before the exec, it reads end of file.
  const tracelog = planned.init?.tracelog === undefined
    ? undefined
    : startTracelog({
      sandboxPid: process.pid,
      name,
      blacklist: { hidden: planned.init.tracelog.hidden, shown: planned.init.tracelog.shown },
      socket: process.env['KILN_SYSLOG_SOCKET'] ?? DEFAULT_SYSLOG_SOCKET,
    });
  if (tracelog !== undefined) meta.debug(`tracelog supervisor (pid ${tracelog.pid}) watches ${planned.init?.tracelog?.hidden.length ?? 0} blacklisted paths`);
  // Helpers first: a sandbox whose proxy cannot start is never registered, and never runs.
  const helpers = startPlanHelpers(planned, meta);
  const plan = withDisplay(planned, helpers?.started.display);
  const entry: RegistryEntry = {
    version: 1,
    pid: process.pid,
    startTime: processStartTime('self') ?? '',
    uid: meta.uid,
    user: meta.user,
    name,
    command: meta.command,
    argv: plan.argv,
    profiles: meta.profiles,
    cwd: meta.cwd,
    started: Date.now(),
    seccomp: [...plan.seccomp, ...(plan.init?.seccomp ?? [])].map((i) => Buffer.from(typeof i === 'number' ? (plan.blobs[i] ?? new Uint8Array()) : i).toString('base64')),
    caps: meta.caps,
    ...(meta.protocols !== undefined ? { protocols: meta.protocols } : {}),
    ...joinFields(plan),
    fs: describeFilesystem(plan),
    ...(plan.network !== undefined ? { network: registryNetwork(plan) } : {}),
    ...(helpers !== undefined
      ? { helpers: helpers.started.helpers.map((h) => ({ name: h.name, pid: h.pid, ...(h.display !== undefined ? { display: h.display } : {}) })) }
      : {}),
  };
  let file: string | undefined;
  let infoFd: number | undefined;
  try {
    file = writeEntry(meta.registryDir, entry);
    pruneIfCrowded(meta.registryDir);
    infoFd = openForWriting(`${meta.registryDir}/${entry.pid}.info`, true);
  } catch (e) {
    // A sandbox that cannot be registered still runs; it just cannot be listed or joined.
    if (!(e instanceof SyscallError)) throw e;
    meta.warn(`cannot register the sandbox in ${meta.registryDir} (${e.message}); --list and --join will not see it`);
  }
  try {
    checkTools(plan);
    checkLimits(plan.init?.rlimits ?? []);
    const signals = planSignals(plan.supervisor.timeout !== undefined, callerIgnored());
    const started = helpers?.started;
    const helperFds = helpers === undefined
      ? {}
      : { dir: helpers.dir, ...(started?.syncFd !== undefined ? { syncFd: started.syncFd } : {}), ...(started?.display !== undefined ? { display: started.display } : {}) };
    // The network's set-up stage last before the exec: it waits on bwrap's status pipe, which kiln holds
    // until bwrap has it, so that kiln dying any earlier ends the stage too.
    const network = plan.network === undefined ? undefined : startNetwork(plan.network, meta, entry.name, helpers?.dir);
    const trace = meta.trace === undefined ? undefined : startTrace(meta.trace, meta.cwd);
    if (trace?.relayPid !== undefined) meta.debug(`trace relay (pid ${trace.relayPid}) formats strace's output`);
    const prepared = prepareExec(infoFd === undefined ? plan : { ...plan, infoFd }, signals, {
      ...helperFds,
      ...(network !== undefined ? { network } : {}),
      ...(trace !== undefined ? { trace } : {}),
      ...(tracelog !== undefined ? { tracelogFd: tracelog.initFd } : {}),
    }, meta.quiet);
    meta.beforeExec(prepared.argv);
    // Last, so that kiln's own messages above reach the caller's stderr, not the log.
    if (plan.output !== undefined) {
      const pid = startOutputRelay(plan.output, plan.output.stderr ? '--output-stderr' : '--output');
      meta.debug(`output relay (pid ${pid}) copies the program's output to ${plan.output.file}`);
    }
    return execBwrap(plan, prepared, meta.keepFds);
  } catch (e) {
    if (file !== undefined) {
      removeFile(file);
      removeFile(`${meta.registryDir}/${entry.pid}.info`);
    }
    if (helpers !== undefined) {
      helpers.started.abort();
      removeHelperDir(helpers.dir);
    }
    throw e;
  }
}
