/**
 * A launch: register the sandbox, prepare bwrap's fds, hand the process over. If anything fails before
 * the exec, the registry entry is removed again, so no half-started sandbox is ever listed.
 */
import { SyscallError } from '../errors.ts';
import type { LaunchPlan } from '../plan/types.ts';
import { joinFields, type RegistryEntry } from '../registry/entry.ts';
import { processStartTime, pruneIfCrowded, readEntries, removeFile, writeEntry } from '../registry/store.ts';
import { openForWriting } from '../sys/fs.ts';
import { execBwrap, prepareExec } from './exec.ts';
import { callerIgnored, planSignals } from './signals.ts';
import { checkLimits } from './pre-exec.ts';
import { HostError } from '../errors.ts';
import { isExecutableFile } from '../sys/fs.ts';

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
  readonly warn: (line: string) => void;
  /** Called with bwrap's argv just before exec (for --debug and the startup message). */
  readonly beforeExec: (argv: readonly string[]) => void;
}

/** A name already taken by a live sandbox becomes NAME-PID, as in Firejail. */
function uniqueName(meta: LaunchMeta): string {
  if (meta.name === '') return '';
  const live = readEntries(meta.registryDir);
  return live.some((l) => l.entry.name === meta.name) ? `${meta.name}-${process.pid}` : meta.name;
}

export function launch(plan: LaunchPlan, meta: LaunchMeta): never {
  const entry: RegistryEntry = {
    version: 1,
    pid: process.pid,
    startTime: processStartTime('self') ?? '',
    uid: meta.uid,
    user: meta.user,
    name: uniqueName(meta),
    command: meta.command,
    argv: plan.argv,
    profiles: meta.profiles,
    cwd: meta.cwd,
    started: Date.now(),
    seccomp: [...plan.seccomp, ...(plan.init?.seccomp ?? [])].map((i) => Buffer.from(typeof i === 'number' ? (plan.blobs[i] ?? new Uint8Array()) : i).toString('base64')),
    caps: meta.caps,
    ...(meta.protocols !== undefined ? { protocols: meta.protocols } : {}),
    ...joinFields(plan),
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
    const prepared = prepareExec(infoFd === undefined ? plan : { ...plan, infoFd }, signals);
    meta.beforeExec(prepared.argv);
    return execBwrap(plan, prepared, meta.keepFds);
  } catch (e) {
    if (file !== undefined) {
      removeFile(file);
      removeFile(`${meta.registryDir}/${entry.pid}.info`);
    }
    throw e;
  }
}
