/** The filesystem half of a launch plan, in Firejail's order of application. */
import type { HostFacts } from '../host/facts.ts';
import type { Policy } from '../policy/policy.ts';
import { planBaseline, planProtections } from './baseline.ts';
import { planDevices } from './devices.ts';
import { behind, newContext } from './fs-context.ts';
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
import { checkChrootPolicy, chrootMounts } from './chroot.ts';
import { chrootSource } from '../host/chroot.ts';

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
  const chroot = facts.chroot;
  if (chroot !== undefined) checkChrootPolicy(policy);
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
  const mounts = chroot === undefined ? [...emitted.mounts, ...sockets.lastMounts] : chrootMounts(ctx, chroot, emitted.mounts, sockets.lastMounts);
  // A copy is read again at launch from the plan cache (cli/prepare.ts): from the host's path of it.
  const copies = chroot === undefined ? ctx.copies : ctx.copies.map((c) => ({ ...c, src: chrootSource(chroot.dir, ctx.fs.realpath(c.src) ?? c.src) }));
  const initSteps = emitted.initSteps;
  const cwdReal = facts.fs.realpath(facts.cwd);
  // NOTE: bwrap fails outright if --chdir names a directory the sandbox does not have; Firejail falls back
  // to the home directory, and so does kiln, if the home is there (a tmpfs such as private-tmp's /tmp
  // holds it only if the plan put something at or beneath it).
  const homeCover = ctx.tree.covering(ctx.home);
  // (Under --chroot, the caller's directories are there only if DIR has them.)
  const homeThere =
    homeCover !== undefined &&
    homeCover.content.kind !== 'hidden' &&
    (homeCover.content.kind !== 'tmpfs' || ctx.tree.hasNodeAtOrUnder(ctx.home)) &&
    (homeCover.content.kind !== 'host' || ctx.fs.lstat(behind(ctx, ctx.home)) !== undefined);
  const cwd = cwdReal !== undefined && ctx.tree.showsHost(cwdReal) ? facts.cwd : homeThere ? facts.home : '/';
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
    copies,
    missing: [...new Set(ctx.missing)],
    sockets,
    report,
    lookup: (name, pathVar, dir) => lookupProgram(tree, facts.fs, name, pathVar, dir, facts.selfExe),
    showsHost: (path) => tree.showsHost(path),
    runsHostFile: (path) => tree.showsHost(path) && tree.covering(path)?.noexec !== true,
  };
}
