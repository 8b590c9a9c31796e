/** The filesystem half of a launch plan, in Firejail's order of application. */
import type { HostFacts } from '../host/facts.ts';
import type { Policy } from '../policy/policy.ts';
import { planBaseline, planProtections } from './baseline.ts';
import { planDevices } from './devices.ts';
import { newContext } from './fs-context.ts';
import { planPrivateBin } from './private-bin.ts';
import { planPrivateLib } from './private-lib.ts';
import { planSandboxMkdirs } from './mkdirs.ts';
import { planPrivateDirs, planPrivateHome } from './private.ts';
import { planRules } from './rules.ts';
import type { FsReport, InitStep, LaunchPlan, MountOp } from './types.ts';
import { planWhitelist } from './whitelist.ts';
import { lookupProgram, type Found } from './lookup.ts';
import { planNetFiles } from './net-files.ts';
import { planSockets, type SocketPlan } from './sockets.ts';
import { planUserDatabase } from './users.ts';

export interface FsPlan {
  /** The working directory to start in: the caller's, if the sandbox still shows it; else home, else /. */
  readonly cwd: string;
  readonly mounts: MountOp[];
  readonly initSteps: InitStep[];
  readonly blobs: Uint8Array[];
  readonly copies: LaunchPlan['copies'];
  readonly missing: string[];
  readonly sockets: SocketPlan;
  readonly report: FsReport;
  /** Finds a program as execvp will inside this sandbox (plan/lookup.ts). */
  readonly lookup: (name: string, pathVar: string | undefined, cwd: string) => Found;
  /** Whether the sandbox shows the host's `path` at the same place. */
  readonly showsHost: (path: string) => boolean;
  /** Whether the sandbox shows the host's `path` unchanged, and lets it execute. */
  readonly runsHostFile: (path: string) => boolean;
}

/** `program` is the host path of the program to run (argv[0]); private-lib brings in what it needs. */
export function planFilesystem(policy: Policy, facts: HostFacts, program?: string): FsPlan {
  const ctx = newContext(policy, facts);
  planBaseline(ctx);
  planDevices(ctx);
  planPrivateDirs(ctx);
  planPrivateBin(ctx);
  planPrivateLib(ctx, program);
  planWhitelist(ctx);
  planPrivateHome(ctx);
  planSandboxMkdirs(ctx);
  planRules(ctx);
  planNetFiles(ctx);
  planUserDatabase(ctx);
  const sockets = planSockets(ctx);
  planProtections(ctx);
  const emitted = ctx.tree.emit();
  const mounts = [...emitted.mounts, ...sockets.lastMounts];
  const initSteps = emitted.initSteps;
  const cwdReal = facts.fs.realpath(facts.cwd) ?? facts.cwd;
  // NOTE: bwrap fails outright if --chdir names a directory the sandbox does not have; Firejail falls back
  // to the home directory, and so does kiln, if the home is there (a tmpfs such as private-tmp's /tmp
  // holds it only if the plan put something at or beneath it).
  const homeCover = ctx.tree.covering(ctx.home);
  const homeThere = homeCover !== undefined && homeCover.content.kind !== 'hidden' && (homeCover.content.kind !== 'tmpfs' || ctx.tree.hasNodeAtOrUnder(ctx.home));
  const cwd = ctx.tree.showsHost(cwdReal) ? facts.cwd : homeThere ? facts.home : '/';
  const report = {
    blacklisted: ctx.tree.list().flatMap((n) => (n.content.kind === 'hidden' ? [n.path] : [])),
    whitelisted: ctx.whitelisted,
    privateLib: ctx.privateLib,
  };
  const tree = ctx.tree;
  return {
    cwd,
    mounts,
    initSteps,
    blobs: ctx.blobs,
    copies: ctx.copies,
    missing: [...new Set(ctx.missing)],
    sockets,
    report,
    lookup: (name, pathVar, dir) => lookupProgram(tree, facts.fs, name, pathVar, dir, facts.selfExe),
    showsHost: (path) => tree.showsHost(path),
    runsHostFile: (path) => tree.showsHost(path) && tree.covering(path)?.noexec !== true,
  };
}
