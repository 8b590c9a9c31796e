/**
 * Everything between the command line and the exec: the policy, the host facts and the launch plan,
 * from the plan cache when nothing it depends on has changed (cache/plan-cache.ts), else made afresh and
 * stored for next time.
 */
import { cacheKey, loadCached, storeCached } from '../cache/plan-cache.ts';
import { SyscallError, UsageError } from '../errors.ts';
import { probeCaller, probeSystem, type HostFacts, type SystemFacts } from '../host/facts.ts';
import type { Policy } from '../policy/policy.ts';
import type { PolicyRequest } from '../policy/index.ts';
import { matchComponent } from '../plan/glob.ts';
import type { HostMkdirs } from '../plan/mkdirs.ts';
import { applyEnvChanges } from '../plan/env.ts';
import type { LaunchPlan } from '../plan/types.ts';
import { formatDiagnostic, ProfileError } from '../profile/diagnostics.ts';
import { readBytes, realPath, startRecording, stat } from '../sys/fs.ts';
import type { Invocation } from './args.ts';

/** What the launch needs from the policy once the plan exists. */
export interface LaunchSummary {
  readonly quiet: boolean;
  readonly profiles: readonly string[];
  /** Formatted warnings from the profiles. */
  readonly diagnostics: readonly string[];
  /** Commands recognized but not enforced, each once. */
  readonly notEnforced: readonly string[];
  readonly name: string;
  readonly joinOrStart?: string;
  readonly keepFds: readonly number[];
  readonly protocols?: readonly string[];
  /** The mkdir and mkfile paths made on the host before the launch (plan/mkdirs.ts). */
  readonly mkdirs: HostMkdirs;
  /** --chroot=DIR as given: checked again on every launch, from the plan cache too. */
  readonly chroot?: string;
}

export interface Prepared {
  readonly plan: LaunchPlan;
  readonly facts: HostFacts;
  readonly summary: LaunchSummary;
  readonly fromCache: boolean;
}

/** The program to run, as named (the planner finds it as execvp will in the sandbox), or the user's shell. */
function programArgv(inv: Invocation, policy: Policy, facts: HostFacts): string[] {
  if (inv.program.length === 0) {
    if (policy.shell === 'none') throw new UsageError('shell none is set, but no program was given');
    return [policy.shell ?? facts.shell];
  }
  return [...inv.program];
}

/** The home as given and as it really is, the spellings a mkdir path in the home may start with. */
function homeSpellings(home: string): string[] {
  return [...new Set([home, realPath(home) ?? home])];
}

function summarize(policy: Policy, warnings: readonly string[], mkdirs: HostMkdirs): LaunchSummary {
  return {
    quiet: policy.quiet,
    profiles: policy.profiles,
    diagnostics: warnings,
    notEnforced: [...new Set(policy.notEnforced.map((n) => n.command))],
    name: policy.joinOrStart ?? policy.name ?? '',
    ...(policy.joinOrStart !== undefined ? { joinOrStart: policy.joinOrStart } : {}),
    keepFds: policy.keepFds === 'all' ? [] : policy.keepFds,
    ...(policy.seccomp?.protocols !== undefined ? { protocols: policy.seccomp.protocols } : {}),
    mkdirs,
    ...(policy.chroot !== undefined ? { chroot: policy.chroot } : {}),
  };
}

/**
 * The environment variables planning reads (profile macros, program lookup, sockets to cut off, kiln's
 * own switches). Only these key the cache; the rest of the environment is passed through unplanned.
 * NOTE: a variable added to planning must be added here too; plan-cache tests cover the known ones.
 */
const PLANNING_ENV = ['HOME', 'PATH', 'SHELL', 'USER', 'DISPLAY', 'XAUTHORITY', 'DBUS_SESSION_BUS_ADDRESS', 'DBUS_SYSTEM_BUS_ADDRESS'];

function planningEnv(env: Readonly<Record<string, string>>): [string, string][] {
  return Object.entries(env)
    .filter(([k]) => PLANNING_ENV.includes(k) || k.startsWith('XDG_') || k.startsWith('KILN_'))
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

// ── (de)serialization: Uint8Array as base64, bigint as a tagged string ──────────────────────────────────
function replacer(this: Record<string, unknown>, k: string, v: unknown): unknown {
  // NOTE: JSON.stringify hands over a Buffer (what file reads return) already turned by its toJSON into
  // {type, data}; the holder still has the original.
  const original = this[k];
  if (original instanceof Uint8Array) return { $b64: Buffer.from(original).toString('base64') };
  if (typeof v === 'bigint') return { $big: v.toString() };
  return v;
}
function reviver(_k: string, v: unknown): unknown {
  if (v !== null && typeof v === 'object') {
    const o = v as { $b64?: string; $big?: string };
    if (typeof o.$b64 === 'string') return new Uint8Array(Buffer.from(o.$b64, 'base64'));
    if (typeof o.$big === 'string') return BigInt(o.$big);
  }
  return v;
}

interface Cached {
  /** JSON with the tags above, without `missing`. */
  readonly plan: string;
  /**
   * The plan's `missing` paths (for --debug), one string: with the thousands a large profile names, as
   * JSON values they cost a cached launch more to revive than all the rest of the plan.
   */
  readonly missing: string;
  /** The plan's fsReport, each list as one string like `missing`. */
  readonly report: readonly [string, string, string];
  readonly summary: LaunchSummary;
  /**
   * The system facts the plan was made with (passwd entry, bwrap's options). The entry's recorded facts
   * include the files they were read from, so they hold as long as the plan does.
   */
  readonly system: Omit<SystemFacts, 'bwrap'> & { readonly bwrap: { readonly path: string; readonly options: readonly string[] } };
  /** Blobs holding the spoofed machine-id, which must be new for every sandbox. */
  readonly machineIdBlobs: readonly number[];
}

/** Plans with more than 1 MB of blobs are not worth storing. The copies of the user's files are not stored. */
function cacheable(plan: LaunchPlan): boolean {
  const copies = new Set(plan.copies.map((c) => c.blob));
  return plan.blobs.reduce((n, b, i) => n + (copies.has(i) ? 0 : b.length), 0) < 1 << 20;
}

/** The plan as the cache stores it: the copies of the user's files (private home) left empty. */
function withoutCopies(plan: LaunchPlan): LaunchPlan {
  if (plan.copies.length === 0) return plan;
  const blobs = [...plan.blobs];
  for (const c of plan.copies) blobs[c.blob] = new Uint8Array();
  return { ...plan, blobs };
}

/**
 * A cached plan's copies of the user's files, read afresh; undefined if one cannot be read (the plan is
 * then made afresh). The cache entry's facts include each file's identity, so what is read is what the
 * plan was made from.
 */
function withCopies(plan: LaunchPlan): LaunchPlan | undefined {
  if (plan.copies.length === 0) return plan;
  const blobs = [...plan.blobs];
  for (const c of plan.copies) {
    let r: ReturnType<typeof readBytes>;
    try {
      r = readBytes(c.src);
    } catch (e) {
      if (e instanceof SyscallError) return undefined; // unreadable now: plan afresh
      throw e;
    }
    if (r === undefined || r.truncated) return undefined;
    blobs[c.blob] = r.bytes;
  }
  return { ...plan, blobs };
}

function machineIdBlob(id: string): Uint8Array {
  return new TextEncoder().encode(`${id}\n`);
}

const PRINT_ONLY = new Set(['--debug', '--quiet', '--debug-blacklists', '--debug-whitelists', '--debug-private-lib']);

/** A list stored as one newline-separated string (see Cached). */
function lines(text: string): string[] {
  return text === '' ? [] : text.split('\n');
}

/** A cached plan with fresh machine-id contents. */
function refresh(plan: LaunchPlan, indices: readonly number[], facts: HostFacts): LaunchPlan {
  if (indices.length === 0) return plan;
  const blobs = [...plan.blobs];
  for (const i of indices) blobs[i] = machineIdBlob(facts.randomId);
  return { ...plan, blobs };
}

export async function prepareLaunch(inv: Invocation, argv: readonly string[], request: PolicyRequest): Promise<Prepared> {
  const caller = probeCaller();
  const { fs: _fs, randomId: _r, env: _env, ...hostKey } = caller;
  // --appimage: the file is a host fact, read before planning; its identity keys the cache, so a file
  // replaced or rewritten under the same name is planned afresh (its squashfs may start elsewhere).
  const appimage = inv.appimage ? (await import('../host/appimage.ts')).probeAppImage(inv.program[0] ?? '', caller.cwd) : undefined;
  const exe = stat('/proc/self/exe'); // followed: the binary itself, so a rebuilt kiln plans afresh
  // --debug, --quiet and the --debug-* listings change what is printed, not the plan.
  const planArgv = argv.filter((a) => !PRINT_ONLY.has(a));
  const key = cacheKey({
    exe: exe === undefined ? '-' : `${exe.dev}:${exe.ino}:${exe.mtimeMs}:${exe.size}`,
    argv: planArgv,
    host: hostKey,
    env: planningEnv(caller.env),
    ...(appimage !== undefined ? { appimage } : {}),
  });
  const dir = `${caller.stateDir}/plans`;
  const { ensureStateDirs } = await import('../launch/state-dirs.ts');
  // KILN_PLAN_CACHE=0 plans every launch afresh (for benchmarks and for ruling the cache out).
  const useCache = caller.env['KILN_PLAN_CACHE'] !== '0';
  const hit = useCache ? loadCached<Cached>(dir, key, caller.uid, matchComponent) : undefined;
  if (hit !== undefined) {
    // The cache records what DIR's parents are, not their owners and modes: the checks run every time.
    if (hit.summary.chroot !== undefined) (await import('../host/chroot.ts')).checkChroot(hit.summary.chroot, caller.cwd, caller.uid, caller.fs);
    const facts: HostFacts = { ...caller, ...hit.system, bwrap: { path: hit.system.bwrap.path, options: new Set(hit.system.bwrap.options) } };
    ensureStateDirs(facts);
    const cached = JSON.parse(hit.plan, reviver) as Omit<LaunchPlan, 'missing' | 'fsReport'>;
    const [blacklisted, whitelisted, privateLib] = hit.report.map(lines);
    const fsReport = { blacklisted, whitelisted, privateLib } as LaunchPlan['fsReport'];
    // The environment is not part of the key beyond what planning reads; the program's is rebuilt here.
    const plan = withCopies(refresh({ ...cached, missing: lines(hit.missing), fsReport, env: applyEnvChanges(facts.env, cached.envChanges) }, hit.machineIdBlobs, facts));
    if (plan !== undefined) {
      if (hit.summary.mkdirs.rules.length > 0) {
        const { applyMkdirs } = await import('../launch/mkdir.ts');
        applyMkdirs(hit.summary.mkdirs, facts.uid, facts.arch);
      }
      return { plan, facts, summary: hit.summary, fromCache: true };
    }
  }

  // Recorded from here on: the files the system facts come from are facts of the plan too.
  const stop = startRecording();
  let facts: HostFacts;
  try {
    facts = { ...caller, ...(await probeSystem(caller)) };
  } catch (e) {
    stop();
    throw e;
  }
  ensureStateDirs(facts);
  const { buildPolicy } = await import('../policy/index.ts');
  const outcome = buildPolicy(request);
  if (outcome.kind === 'invalid') {
    stop();
    throw new ProfileError(outcome.diagnostics);
  }
  const policy = outcome.policy;
  if (policy.chroot !== undefined) {
    // Checked while recording: a cached plan holds only while DIR and its parents keep their owners and modes.
    const { checkChroot, chrootFsView } = await import('../host/chroot.ts');
    let dir: string;
    try {
      dir = checkChroot(policy.chroot, facts.cwd, facts.uid, facts.fs);
    } catch (e) {
      stop();
      throw e;
    }
    facts = { ...facts, fs: chrootFsView(facts.fs, dir), chroot: { dir, host: facts.fs } };
  }
  const program = programArgv(inv, policy, facts);
  const { hostMkdirs } = await import('../plan/mkdirs.ts');
  const mkdirs = hostMkdirs(policy, homeSpellings(facts.home));
  if (mkdirs.rules.length > 0) {
    const { applyMkdirs } = await import('../launch/mkdir.ts');
    applyMkdirs(mkdirs, facts.uid, facts.arch);
  }
  const { planLaunch } = await import('../plan/plan.ts');
  const plan = planLaunch(policy, facts, { argv: program, ...(appimage !== undefined ? { appimage } : {}) });
  const recording = stop();
  const summary = summarize(policy, outcome.diagnostics.map(formatDiagnostic), mkdirs);
  if (useCache && cacheable(plan)) {
    const idBlob = Buffer.from(machineIdBlob(facts.randomId));
    const machineIdBlobs = policy.machineId ? plan.blobs.flatMap((b, i) => (idBlob.equals(b) ? [i] : [])) : [];
    const { missing, fsReport, ...rest } = withoutCopies(plan);
    // NOTE: a path with a newline in it is not worth a format of its own: it only ever reaches --debug.
    const report = [fsReport.blacklisted, fsReport.whitelisted, fsReport.privateLib].map((l) => l.join('\n')) as [string, string, string];
    const system = { user: facts.user, home: facts.home, shell: facts.shell, cacheDir: facts.cacheDir, tools: facts.tools, bwrap: { path: facts.bwrap.path, options: [...facts.bwrap.options] } };
    storeCached(dir, key, recording, { plan: JSON.stringify(rest, replacer), missing: missing.join('\n'), report, summary, system, machineIdBlobs } satisfies Cached);
  }
  return { plan, facts, summary, fromCache: false };
}
