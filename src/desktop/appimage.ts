/**
 * `--appimage FILE [ARGS…]`: a type 2 AppImage, run in the sandbox without its own runtime. The file's
 * squashfs (src/host/appimage.ts found where it starts) is mounted by squashfuse, a helper (src/helpers/)
 * that runs beside the sandbox in the foreground, on a directory in the sandbox's helper directory; that
 * mount is bound read-only into the sandbox, and the program is its AppRun, with the variables the
 * AppImage runtime sets (APPDIR, APPIMAGE, ARGV0, OWD).
 *
 * Where the sandbox sees it: `appimage` in kiln's state directory (/run/kiln/appimage for root,
 * $XDG_RUNTIME_DIR/kiln/appimage for a user). The state directory exists on the host, and every sandbox
 * covers it anyway (plan/baseline.ts hides it); here the cover is a read-only tmpfs holding only the mount
 * point, so the mount needs no directory made on the host, and nothing of kiln's state shows. A fixed
 * path such as /run/kiln for everyone would need a directory an unprivileged user cannot make in /run,
 * and one in /tmp would be made on the host's /tmp, shared with other users.
 *
 * squashfuse has no option that ties its life to an fd, so it runs under `setpriv --pdeathsig TERM`:
 * when kiln's process (tini, the supervisor) exits, squashfuse gets SIGTERM and unmounts. With
 * `auto_unmount`, fusermount3 also unmounts if squashfuse itself is SIGKILLed (see docs/desktop.md for
 * the libfuse versions where that holds for unprivileged users).
 */
import { HostError, UsageError } from '../errors.ts';
import type { AppImageFile } from '../host/appimage.ts';
import type { HelperSpec } from '../helpers/spec.ts';
import type { FsContext } from '../plan/fs-context.ts';
import { parentOf } from '../plan/tree.ts';
import { findSystemTool } from './tools.ts';

export const SQUASHFUSE_PACKAGE = 'squashfuse';
/** The mount point's name in the helper directory. */
const MOUNT_NAME = 'appimage';
/** squashfuse mounts in milliseconds; a generous bound for a loaded machine or a slow disk. */
const MOUNT_TIMEOUT_MS = 20_000;

export interface AppImagePlan {
  readonly helper: HelperSpec;
  /** The mount's place in the sandbox: APPDIR. */
  readonly appDir: string;
  /** The program: $APPDIR/AppRun. */
  readonly program: string;
  /** The runtime's variables. */
  readonly setEnv: readonly (readonly [string, string])[];
}

/** squashfuse: KILN_SQUASHFUSE (tests, other installations), else the system directories. */
function squashfusePath(ctx: FsContext): string {
  const override = ctx.facts.env['KILN_SQUASHFUSE'];
  if (override !== undefined && override !== '') return override;
  const found = findSystemTool(ctx, 'squashfuse');
  if (found === undefined) throw new HostError(`--appimage needs squashfuse, which was not found: install the ${SQUASHFUSE_PACKAGE} package (apt-get install ${SQUASHFUSE_PACKAGE})`);
  return found;
}

/** What squashfuse needs of the host besides itself: FUSE, fusermount3 (for unprivileged mounts and auto_unmount), setpriv. */
function checkHost(ctx: FsContext): string {
  if (ctx.fs.lstat('/dev/fuse') === undefined) throw new HostError('--appimage needs FUSE, and /dev/fuse is missing: load the fuse module (modprobe fuse)');
  if (findSystemTool(ctx, 'fusermount3') === undefined) throw new HostError('--appimage needs fusermount3, which was not found: install the fuse3 package (apt-get install fuse3)');
  const setpriv = ctx.facts.tools.setpriv;
  if (setpriv === undefined) throw new HostError("--appimage needs util-linux's setpriv, which ties squashfuse's life to the sandbox's: install the util-linux package");
  return setpriv;
}

/**
 * Plans the mount (after every other filesystem rule, so that no blacklist, tmpfs or private-tmp covers
 * it) and the helper. The caller keeps the mount executable under a profile's `noexec` of a directory
 * above it (plan/filesystem.ts).
 */
export function planAppImage(ctx: FsContext, image: AppImageFile): AppImagePlan {
  const setpriv = checkHost(ctx);
  const path = squashfusePath(ctx);
  const state = ctx.fs.realpath(ctx.facts.stateDir) ?? ctx.facts.stateDir;
  const appDir = `${state}/${MOUNT_NAME}`;
  if (ctx.tree.isHidden(parentOf(state))) {
    throw new UsageError(`--appimage: the profile hides ${parentOf(state)}, where the AppImage is mounted (${appDir}); the program could not reach it`);
  }
  ctx.tree.mount(state, { kind: 'tmpfs', perms: 0o755 }, { ro: true });
  ctx.tree.mount(appDir, { kind: 'helper', socket: MOUNT_NAME }, { ro: true });
  const helper: HelperSpec = {
    name: 'squashfuse',
    path,
    pkg: SQUASHFUSE_PACKAGE,
    // -f: in the foreground, so that it stays kiln's child and gets the parent-death signal. nosuid and
    // nodev, which fusermount3 adds for a user, for root too.
    args: ['-f', '-o', `offset=${image.offset},ro,nosuid,nodev,auto_unmount`, image.path, { kind: 'path', name: MOUNT_NAME }],
    readiness: { kind: 'mount', name: MOUNT_NAME },
    lifetime: { kind: 'parent', setpriv },
    before: [{ kind: 'mkdir', name: MOUNT_NAME }],
    stdout: { kind: 'null' },
    readyTimeoutMs: MOUNT_TIMEOUT_MS,
  };
  return {
    helper,
    appDir,
    program: `${appDir}/AppRun`,
    setEnv: [
      ['APPDIR', appDir],
      ['APPIMAGE', image.path],
      ['ARGV0', image.typed],
      ['OWD', ctx.facts.cwd],
    ],
  };
}
