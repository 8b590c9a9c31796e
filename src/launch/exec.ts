/**
 * Hands the process over to bwrap. The options travel in a memfd (`--args FD`), blobs (files, seccomp
 * programs) in memfds of their own; the program stays on argv after `--`. Every other inherited fd is
 * marked close-on-exec first, so nothing of kiln's leaks into the sandbox.
 */
import { SyscallError } from '../errors.ts';
import { toBwrapArgs } from '../plan/bwrap-args.ts';
import type { LaunchPlan } from '../plan/types.ts';
import { cString, cStringArray, errno, libc, ptr } from '../sys/libc.ts';
import { closeExtraFds, memfdWithData } from './fds.ts';
import { encodeInitConfig, INIT_FLAG } from './init-config.ts';
import { applyPreExec } from './pre-exec.ts';
import type { SignalSetup } from './signals.ts';

const encoder = new TextEncoder();

/** The NUL-separated form `bwrap --args` reads. */
export function encodeArgs(args: readonly string[]): Uint8Array {
  return encoder.encode(args.map((a) => `${a}\0`).join(''));
}

export interface Prepared {
  /** What kiln execs: env, which sets the dispositions and execs tini, which runs the rest. */
  readonly path: string;
  readonly argv: string[];
  readonly passFds: number[];
}

/** The chain in front of bwrap: env sets dispositions and execs tini at kiln's pid; tini runs the rest. */
function supervise(plan: LaunchPlan, signals: SignalSetup, bwrapArgv: readonly string[], tracer: readonly string[]): string[] {
  const { env, tini, timeout } = plan.supervisor;
  const list = (sigs: readonly number[]) => sigs.join(',');
  return [
    env,
    `--ignore-signal=${list(signals.ignore)}`,
    ...(signals.block.length > 0 ? [`--block-signal=${list(signals.block)}`] : []),
    '--',
    // -s: tini is not pid 1, so it must be the reaper of what its child leaves; -g: signals go to the
    // child's process group, which tini also puts in the terminal's foreground.
    tini,
    '-s',
    '-g',
    '--',
    // NOTE: without --foreground, timeout sends its SIGTERM (and after the grace, SIGKILL) to its whole
    // process group, the program included; setpriv's parent-death signal takes it down if tini is killed,
    // and bwrap's --die-with-parent takes the sandbox down with it.
    ...(timeout !== undefined
      ? [timeout.setpriv, '--pdeathsig', 'KILL', '--', timeout.timeout, `--kill-after=${timeout.graceSeconds}s`, `${timeout.seconds}s`]
      : []),
    // --trace and --build: strace in front of bwrap (src/trace/strace.ts).
    ...tracer,
    plan.bwrapPath,
    ...bwrapArgv,
  ];
}

/** What the launch made for the helpers: their directory, and the fd bwrap holds for their lifetime. */
export interface HelperFds {
  readonly dir?: string;
  readonly syncFd?: number;
  readonly display?: number;
  /** The network set-up stage's pipes (src/net/start.ts). */
  readonly network?: { readonly statusFd: number; readonly statusKeepFd: number; readonly readyFd: number; readonly lifetimeFd: number; readonly treeFd: number };
  /** The init stage's end of the socket to tracelog's supervisor (src/tracelog/start.ts). */
  readonly tracelogFd?: number;
  /** strace's words and the fd its output goes to (src/trace/start.ts). */
  readonly trace?: { readonly words: readonly string[]; readonly fd?: number };
}

/** Creates the memfds and returns the argv kiln execs; --debug shows it before exec. `quiet`: --quiet. */
export function prepareExec(plan: LaunchPlan, signals: SignalSetup, helpers: HelperFds = {}, quiet = false): Prepared {
  const blobFds = plan.blobs.map((blob, i) => memfdWithData(`kiln-blob-${i}`, blob, true));
  const options = toBwrapArgs(plan, {
    blobFds,
    ...(helpers.dir !== undefined ? { helperDir: helpers.dir } : {}),
    ...(helpers.syncFd !== undefined ? { syncFd: helpers.syncFd } : {}),
    ...(helpers.display !== undefined ? { display: helpers.display } : {}),
    ...(helpers.network !== undefined ? { statusFd: helpers.network.statusFd } : {}),
  });
  const argsFd = memfdWithData('kiln-args', encodeArgs(options), true);
  const net = helpers.network;
  const infoFds = [
    ...(plan.infoFd === undefined ? [] : [plan.infoFd]),
    ...(helpers.syncFd === undefined ? [] : [helpers.syncFd]),
    ...(net === undefined ? [] : [net.statusFd, net.statusKeepFd, net.readyFd, net.lifetimeFd, net.treeFd]),
    ...(helpers.tracelogFd === undefined ? [] : [helpers.tracelogFd]),
    ...(helpers.trace?.fd === undefined ? [] : [helpers.trace.fd]),
  ];
  const tracer = helpers.trace?.words ?? [];
  // The program gets none of the launch's pipes: not the network stage's, nor strace's output.
  const closeFds = [...(net !== undefined ? [net.statusFd, net.statusKeepFd, net.lifetimeFd] : []), ...(helpers.trace?.fd !== undefined ? [helpers.trace.fd] : [])];
  if (plan.init === undefined) {
    if (plan.signalReset.kind !== 'env') throw new TypeError('a plan without the init stage resets signals with env');
    const program = [plan.signalReset.path, `--default-signal=${signals.reset.join(',')}`, '--', ...plan.argv];
    return { path: plan.supervisor.env, argv: supervise(plan, signals, ['--args', String(argsFd), '--', ...program], tracer), passFds: [argsFd, ...blobFds, ...infoFds] };
  }
  // NOTE: the init stage runs as /proc/self/fd/N of an fd inherited through bwrap, so it needs no path
  // in the sandbox's tree, whatever the profile hides.
  // /proc/self/exe, not process.execPath: it still opens if the binary was replaced since kiln started.
  const exeFd = openForExec('/proc/self/exe');
  const config = encodeInitConfig({
    steps: plan.init.steps,
    keepCaps: plan.init.keepCaps,
    lastCap: plan.init.lastCap,
    seccomp: plan.init.seccomp.map((b) => Buffer.from(b).toString('base64')),
    exeFd,
    rlimits: plan.init.rlimits.map((l) => [l.resource, l.value.toString()] as const),
    capsByBwrap: plan.init.capsByBwrap,
    defaultSignals: signals.reset,
    unblockSignals: signals.block,
    reignoreSignals: signals.reignore,
    ...(net !== undefined ? { awaitFd: net.readyFd, treeFd: net.treeFd } : {}),
    ...(closeFds.length > 0 ? { closeFds } : {}),
    ...(plan.init.apparmor !== undefined ? { apparmor: { ...plan.init.apparmor, quiet } } : {}),
    ...tracelogConfig(plan, helpers.tracelogFd),
  });
  const configFd = memfdWithData('kiln-init', config, true);
  return {
    path: plan.supervisor.env,
    argv: supervise(plan, signals, ['--args', String(argsFd), '--', `/proc/self/fd/${exeFd}`, `${INIT_FLAG}=${configFd}`, '--', ...plan.argv], tracer),
    passFds: [argsFd, exeFd, configFd, ...blobFds, ...infoFds],
  };
}

/** tracelog's part of the init config: a plan that asks for it gets its supervisor's socket, or nothing runs. */
function tracelogConfig(plan: LaunchPlan, fd: number | undefined): { tracelog?: { fd: number; filter: string } } {
  const t = plan.init?.tracelog;
  if (t === undefined) return {};
  if (fd === undefined) throw new TypeError('a plan with tracelog starts its supervisor');
  return { tracelog: { fd, filter: Buffer.from(t.filter).toString('base64') } };
}

function openForExec(path: string): number {
  const fd = libc().open(ptr(cString(path)), 0 /* O_RDONLY, inherited */, 0);
  if (fd < 0) throw new SyscallError('open', errno(), path);
  return fd;
}

/**
 * Replaces this process with bwrap. Returns only on failure, by throwing.
 * NOTE: Bun's other threads die with the exec; nothing after a successful call runs.
 */
export function execBwrap(plan: LaunchPlan, prepared: Prepared, keepFds: readonly number[]): never {
  applyPreExec(plan.preExec);
  closeExtraFds(new Set([...prepared.passFds, ...keepFds]));
  const file = cString(prepared.path);
  const argv = cStringArray(prepared.argv);
  const env = cStringArray(plan.env);
  libc().execve(ptr(file), ptr(argv.array), ptr(env.array));
  const e = errno();
  void argv.keep.length; // keep the strings reachable until execve has read them
  void env.keep.length;
  throw new SyscallError('execve', e, prepared.path);
}
