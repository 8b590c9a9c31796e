/** The filesystem half of a launch plan, in Firejail's order of application. */
import { UsageError } from '../errors.ts';
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
import type { AppImageFile } from '../host/appimage.ts';
import { planAppImage, type AppImagePlan } from '../desktop/appimage.ts';
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
  /** --appimage: squashfuse, the mount's place (APPDIR) and the runtime's variables. */
  readonly appimage?: AppImagePlan;
  readonly report: FsReport;
  /** Mounts the plan put beneath a blacklisted directory, which the sandbox shows after all (for tracelog). */
  readonly beneathHidden: readonly string[];
  /** Finds a program as execvp will inside this sandbox (plan/lookup.ts). */
  readonly lookup: (name: string, pathVar: string | undefined, cwd: string) => Found;
  /** Whether the sandbox shows the host's `path` at the same place. */
  readonly showsHost: (path: string) => boolean;
  /** Whether the sandbox shows the host's `path` unchanged, and lets it execute. */
  readonly runsHostFile: (path: string) => boolean;
}

/** Under a profile's `noexec DIR`, the AppImage's mount (in DIR, or beneath it) stays as it is. */
function keepRunnable(steps: readonly InitStep[], appDir: string): InitStep[] {
  return steps.map((s) => (s.kind === 'remount' && (appDir === s.dest || appDir.startsWith(s.dest === '/' ? '/' : `${s.dest}/`)) ? { ...s, keep: [appDir] } : s));
}

/**
 * `program` is the host path of the program to run (argv[0]); private-lib brings in what it needs.
 * `appimage`: the AppImage to mount and run instead (--appimage).
 */
export function planFilesystem(policy: Policy, facts: HostFacts, program?: string, appimage?: AppImageFile): FsPlan {
  const ctx = newContext(policy, facts);
  const chroot = facts.chroot;
  if (chroot !== undefined) checkChrootPolicy(policy);
  // NOTE: the AppImage's mount lives in the host's kiln state directory, which a chroot does not have.
  if (chroot !== undefined && appimage !== undefined) throw new UsageError('--appimage and --chroot cannot be used together');
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
  // Last: no rule of the profile's may cover it, or hide kiln's state it replaces.
  const image = appimage === undefined ? undefined : planAppImage(ctx, appimage);
  const emitted = ctx.tree.emit();
  const mounts = chroot === undefined ? [...emitted.mounts, ...sockets.lastMounts] : chrootMounts(ctx, chroot, emitted.mounts, sockets.lastMounts);
  // A copy is read again at launch from the plan cache (cli/prepare.ts): from the host's path of it.
  const copies = chroot === undefined ? ctx.copies : ctx.copies.map((c) => ({ ...c, src: chrootSource(chroot.dir, ctx.fs.realpath(c.src) ?? c.src) }));
  const initSteps = image === undefined ? emitted.initSteps : keepRunnable(emitted.initSteps, image.appDir);
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
  const hiddenDirs = report.blacklisted.map((p) => (p === '/' ? '/' : `${p}/`));
  const beneathHidden = tree.list().flatMap((n) => (n.content.kind !== 'hidden' && hiddenDirs.some((d) => n.path.startsWith(d)) ? [n.path] : []));
  return {
    cwd,
    beneathHidden,
    mounts,
    initSteps,
    blobs: ctx.blobs,
    copies,
    missing: [...new Set(ctx.missing)],
    sockets,
    ...(image !== undefined ? { appimage: image } : {}),
    report,
    lookup: (name, pathVar, dir) => lookupProgram(tree, facts.fs, name, pathVar, dir, facts.selfExe),
    showsHost: (path) => tree.showsHost(path),
    runsHostFile: (path) => tree.showsHost(path) && tree.covering(path)?.noexec !== true,
  };
}
