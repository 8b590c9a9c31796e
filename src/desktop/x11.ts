/**
 * X11 sandboxing (`x11 xvfb|xephyr|xorg`, bare `x11`). The program never reaches the user's X server with
 * the user's own cookie:
 *
 * - xvfb, xephyr: a nested X server started for the sandbox (a helper, src/helpers/), on a display number
 *   no other server uses, with a fresh MIT-MAGIC-COOKIE. The sandbox's /tmp/.X11-unix is a tmpfs holding
 *   only that server's socket, under the same display number, and its Xauthority holds only that cookie.
 * - xorg: the user's own server, through an untrusted cookie from `xauth generate … untrusted` (the X
 *   SECURITY extension): the program cannot read other clients' windows or grab their input.
 *
 * - xpra: an xpra server with its own Xvfb, and an `xpra attach` client on the user's display.
 *
 * In every mode the host's Xauthority files are hidden, and the host's abstract X sockets
 * (@/tmp/.X11-unix/XN) are cut off by the caller (plan/sockets.ts), with a network namespace or Landlock.
 */
import { HostError, UsageError } from '../errors.ts';
import type { HelperSpec } from '../helpers/spec.ts';
import type { MountOp } from '../plan/types.ts';
import type { X11Policy } from '../policy/policy.ts';
import { placeHelperSocket, type FsContext } from '../plan/fs-context.ts';
import { findSystemTool } from './tools.ts';

type ServerPolicy = Extract<X11Policy, { kind: 'server' }>;

const DISPLAY_BIND: MountOp = { kind: 'helper-display-bind', dest: '/tmp/.X11-unix' };
/** The sandbox's Xauthority, on the sandbox's own /tmp/.X11-unix tmpfs (never a file in the user's home). */
export const SANDBOX_XAUTHORITY = '/tmp/.X11-unix/.kiln-Xauthority';
const SERVER_READY_TIMEOUT_MS = 30_000;

const SERVERS = {
  xvfb: { binary: 'Xvfb', pkg: 'xvfb' },
  xephyr: { binary: 'Xephyr', pkg: 'xserver-xephyr' },
  xpra: { binary: 'xpra', pkg: 'xpra' },
  xorg: { binary: 'xauth', pkg: 'xauth' },
} as const;

export interface X11Plan {
  readonly helpers: HelperSpec[];
  readonly setEnv: (readonly [string, string])[];
  /** Bound last: the server's socket at /tmp/.X11-unix/XN, for the display number N chosen at launch. */
  readonly mount: MountOp;
}

function need(ctx: FsContext, mode: keyof typeof SERVERS): string {
  const { binary, pkg } = SERVERS[mode];
  const found = findSystemTool(ctx, binary);
  if (found === undefined) throw new HostError(`x11 ${mode} needs ${binary}, which was not found: install the ${pkg} package (apt-get install ${pkg})`);
  return found;
}

/**
 * Bare `x11`: the first of xpra, xephyr and xvfb that is installed, as Firejail picks; xpra and xephyr
 * only with a display to show their windows on.
 */
function chooseMode(ctx: FsContext, policy: ServerPolicy): 'xvfb' | 'xephyr' | 'xorg' | 'xpra' {
  switch (policy.mode) {
    case 'auto':
      if (findSystemTool(ctx, 'xpra') !== undefined && hostDisplay(ctx) !== undefined) return 'xpra';
      if (findSystemTool(ctx, 'Xephyr') !== undefined && hostDisplay(ctx) !== undefined) return 'xephyr';
      if (findSystemTool(ctx, 'Xvfb') !== undefined) return 'xvfb';
      throw new HostError('x11 needs a nested X server: install the xserver-xephyr or xvfb package (apt-get install xvfb)');
    default:
      return policy.mode;
  }
}

/** The local display number in DISPLAY (`:0`, `:0.0`, `unix:0`); undefined for none or a TCP display. */
function hostDisplay(ctx: FsContext): number | undefined {
  const m = /^(?:unix)?:(\d+)(?:\.\d+)?$/.exec(ctx.facts.env['DISPLAY'] ?? '');
  return m?.[1] === undefined ? undefined : Number(m[1]);
}

function setprivPath(ctx: FsContext): string {
  const setpriv = ctx.facts.tools.setpriv;
  if (setpriv === undefined) throw new HostError("a nested X server needs util-linux's setpriv, which ties its life to the sandbox's: install the util-linux package");
  return setpriv;
}

function nestedServer(ctx: FsContext, mode: 'xvfb' | 'xephyr', policy: ServerPolicy): HelperSpec {
  const config = policy.config ?? {};
  // -nolisten local: no abstract socket, only the path one. X clients try the abstract socket first and
  // fall back to the path only if nothing listens there; one made outside the sandbox would refuse them
  // (Landlock) and they would give up.
  const common = ['-displayfd', { kind: 'ready-fd', prefix: '' }, '-nolisten', 'tcp', '-nolisten', 'local', '-noreset', '-auth', { kind: 'path', name: 'xserver-auth' }] as const;
  let args: HelperSpec['args'];
  if (mode === 'xvfb') {
    args = [{ kind: 'display' }, ...common, '-screen', '0', config.xvfbScreen ?? '800x600x24', ...(config.xvfbExtraParams ?? [])];
  } else {
    if (hostDisplay(ctx) === undefined) throw new UsageError('x11 xephyr shows its window on your display, and DISPLAY names no local display; use x11 xvfb for a display without a window');
    const title = config.xephyrWindowTitle === false ? [] : ['-title', 'kiln'];
    args = [{ kind: 'display' }, ...common, '-screen', policy.screen ?? config.xephyrScreen ?? '800x600', ...title, ...(config.xephyrExtraParams ?? [])];
  }
  return {
    name: SERVERS[mode].binary,
    path: need(ctx, mode),
    pkg: SERVERS[mode].pkg,
    args,
    readiness: { kind: 'display' },
    lifetime: { kind: 'parent', setpriv: setprivPath(ctx) },
    before: [{ kind: 'x11-cookie' }],
    after: [{ kind: 'link-x11-socket' }],
    stdout: { kind: 'null' },
    readyTimeoutMs: SERVER_READY_TIMEOUT_MS,
  };
}

/**
 * xpra: an xpra server, which runs its own Xvfb (given kiln's cookie file and -nolisten local, as a nested
 * Xvfb gets), and, when there is a display, an `xpra attach` client that shows the program's windows on
 * it. Both are contained to the helper directory: HOME (xpra writes ~/.xpra and ~/.Xauthority) and
 * XDG_RUNTIME_DIR (its sockets) point there, and what it would start besides (dbus-launch, pulseaudio,
 * mDNS, an HTML server, systemd-run, a D-Bus proxy of its own) is turned off.
 */
function xpraHelpers(ctx: FsContext, policy: ServerPolicy): HelperSpec[] {
  const config = policy.config ?? {};
  const path = need(ctx, 'xpra');
  const setpriv = setprivPath(ctx);
  if (/\s|['"\\]/.test(ctx.facts.stateDir)) {
    throw new UsageError(`x11 xpra: kiln's state directory ${ctx.facts.stateDir} has a space or quote, which xpra's --xvfb command cannot carry`);
  }
  const contained = [
    ['HOME', { kind: 'path', name: '.' }],
    ['XDG_RUNTIME_DIR', { kind: 'path', name: '.' }],
  ] as const;
  const quiet = ['--mdns=no', '--pulseaudio=no', '--html=off', '--systemd-run=no', '--dbus-proxy=no', '--dbus-control=no', '--dbus-launch=', '--notifications=no', '--webcam=no', '--speaker=off', '--microphone=off'];
  const attach = hostDisplay(ctx) !== undefined;
  const server: HelperSpec = {
    name: 'xpra',
    path,
    pkg: SERVERS.xpra.pkg,
    args: [
      'start',
      { kind: 'display' },
      '--daemon=no',
      { kind: 'ready-fd', prefix: '--displayfd=' },
      { kind: 'path', name: 'xpra-socket', prefix: '--bind=' },
      { kind: 'path', name: '.', prefix: '--socket-dir=' },
      // NOTE: xpra leaves its Xvfb running when it is killed (to be taken over by a new server); the
      // parent-death signal ends that Xvfb with its xpra, as it ends xpra with the sandbox.
      { kind: 'path', name: 'xserver-auth', prefix: `--xvfb=${setpriv} --pdeathsig TERM -- Xvfb +extension Composite -screen 0 ${config.xvfbScreen ?? '1920x1080x24'}+32 -dpi 96 -nolisten tcp -nolisten local -noreset -auth ` },
      '--start-via-proxy=no',
      ...quiet,
      ...(attach && config.xpraAttach === true ? ['--attach=yes'] : []),
      ...(config.xpraExtraParams ?? []),
    ],
    readiness: { kind: 'display' },
    lifetime: { kind: 'parent', setpriv },
    before: [{ kind: 'x11-cookie' }],
    after: [{ kind: 'link-x11-socket' }],
    stdout: { kind: 'null' },
    setEnv: [...contained, ['XAUTHORITY', { kind: 'path', name: 'xserver-auth' }]],
    unsetEnv: ['DISPLAY'],
    readyTimeoutMs: SERVER_READY_TIMEOUT_MS,
  };
  if (!attach || config.xpraAttach === true) return [server];
  const client: HelperSpec = {
    name: 'xpra-attach',
    path,
    pkg: SERVERS.xpra.pkg,
    args: ['attach', { kind: 'path', name: 'xpra-socket', prefix: 'socket:' }, '--splash=no', ...quiet.filter((q) => !q.startsWith('--dbus-launch') && !q.startsWith('--html') && !q.startsWith('--systemd') && !q.startsWith('--mdns'))],
    readiness: { kind: 'started' },
    lifetime: { kind: 'parent', setpriv },
    stdout: { kind: 'null' },
    setEnv: contained,
    readyTimeoutMs: SERVER_READY_TIMEOUT_MS,
  };
  return [server, client];
}

/** Plans the X server side of `x11 MODE`; the caller has hidden the host's Xauthority and scopes abstract sockets. */
export function planX11Server(ctx: FsContext, policy: ServerPolicy): X11Plan {
  const mode = chooseMode(ctx, policy);
  ctx.tree.mount('/tmp/.X11-unix', { kind: 'tmpfs', perms: 0o1777 });
  if (mode === 'xorg') {
    const n = hostDisplay(ctx);
    if (n === undefined) throw new UsageError(`x11 xorg needs a local X display, and DISPLAY is ${ctx.facts.env['DISPLAY'] === undefined ? 'unset' : `'${ctx.facts.env['DISPLAY']}'`}`);
    const socket = `/tmp/.X11-unix/X${n}`;
    if (ctx.fs.lstat(socket) === undefined) throw new UsageError(`x11 xorg: display :${n} has no socket at ${socket}`);
    placeHelperSocket(ctx, SANDBOX_XAUTHORITY, 'xauthority');
    const xauth: HelperSpec = {
      name: 'xauth',
      path: need(ctx, 'xorg'),
      pkg: SERVERS.xorg.pkg,
      // timeout 0: the untrusted authorization does not expire while the sandbox is idle.
      args: ['-q', '-f', { kind: 'path', name: 'xauthority' }, 'generate', `:${n}`, 'MIT-MAGIC-COOKIE-1', 'untrusted', 'timeout', '0'],
      readiness: { kind: 'exit' },
      lifetime: { kind: 'none' },
      after: [{ kind: 'xauth-wildcard', name: 'xauthority' }, { kind: 'link-x11-socket', hostDisplay: n }],
      stdout: { kind: 'null' },
      readyTimeoutMs: SERVER_READY_TIMEOUT_MS,
    };
    return { helpers: [xauth], setEnv: [['XAUTHORITY', SANDBOX_XAUTHORITY]], mount: DISPLAY_BIND };
  }
  const helpers = mode === 'xpra' ? xpraHelpers(ctx, policy) : [nestedServer(ctx, mode, policy)];
  placeHelperSocket(ctx, SANDBOX_XAUTHORITY, 'xauthority');
  return { helpers, setEnv: [['XAUTHORITY', SANDBOX_XAUTHORITY]], mount: DISPLAY_BIND };
}
