/**
 * Helpers as data: the D-Bus proxy and the nested X servers are programs of their own (the field's tools,
 * never kiln's versions of them) that run beside the sandbox. The pure planner describes each one as a
 * HelperSpec; src/helpers/start.ts starts them before the sandbox, waits until each is ready, and ties
 * each one's life to the sandbox's.
 */

/**
 * One word of a helper's command line. Words that name launch-time things are resolved by the launcher:
 * the helper's directory (per sandbox, made at launch), and the fd numbers it hands the helper.
 */
export type HelperArg =
  | string
  /** `prefix` + the host path of `name` in the sandbox's helper directory (a socket the helper makes). */
  | { readonly kind: 'path'; readonly name: string; readonly prefix?: string }
  /** `prefix` + the fd number of the helper's readiness (and, for `fd` lifetimes, lifetime) pipe. */
  | { readonly kind: 'ready-fd'; readonly prefix: string }
  /** `prefix` + the fd number of the memfd that holds `HelperSpec.argsFile`. */
  | { readonly kind: 'args-fd'; readonly prefix: string }
  /** `:N`, a display number no X server on the host uses (chosen at launch, retried if taken). */
  | { readonly kind: 'display' };

/** How a helper says it is ready to serve; the program is not started before it has. */
export type Readiness =
  /** It writes a byte to its ready fd once it accepts connections (xdg-dbus-proxy's --fd). */
  | { readonly kind: 'byte' }
  /** It writes its display number and a newline to its ready fd once it accepts connections (X's -displayfd). */
  | { readonly kind: 'display' }
  /** A one-shot step (`xauth generate`): done when it exits with status 0. */
  | { readonly kind: 'exit' }
  /** Nothing to wait for (xpra's attach client, a viewer the program does not depend on). */
  | { readonly kind: 'started' }
  /**
   * It says nothing (squashfuse): ready once a mount shows at `name` in the helper directory. kiln waits
   * on the mount table (poll(2) on /proc/self/mountinfo), not in a sleep loop, and stops if the helper
   * exits first.
   */
  | { readonly kind: 'mount'; readonly name: string };

/** How a helper's life ends with the sandbox's, even if kiln is SIGKILLed at any step. */
export type Lifetime =
  /**
   * The helper exits when the other end of its ready pipe closes (xdg-dbus-proxy's --fd). That end goes to
   * bwrap as --sync-fd, which the supervisor chain and bwrap hold for as long as the sandbox lives and which
   * the program never gets.
   */
  | { readonly kind: 'fd' }
  /**
   * The helper has no such option (X servers): it runs under util-linux's `setpriv --pdeathsig TERM`, so
   * the kernel sends it SIGTERM (on which an X server removes its socket) when its parent dies. Its parent
   * is kiln's process, which becomes the supervisor (tini) and lives exactly as long as the sandbox.
   */
  | { readonly kind: 'parent'; readonly setpriv: string }
  /** A one-shot step, over before the sandbox starts. */
  | { readonly kind: 'none' };

/** What the launcher does around a helper, with files in the sandbox's helper directory. */
export type HelperStep =
  /** Before it starts: a fresh MIT-MAGIC-COOKIE in `xserver-auth` (for the server's -auth) and `xauthority` (the sandbox's). */
  | { readonly kind: 'x11-cookie' }
  /**
   * Once it is ready: `x11-socket`, a link to the socket of the display it reported (/tmp/.X11-unix/XN),
   * which the sandbox sees as display N. With `hostDisplay` (x11 xorg), a link to that display's socket,
   * which the sandbox sees under a display number no host server uses: the host's own number has an
   * abstract socket, which the sandbox may not reach, and X clients do not fall back to the path socket
   * when the abstract one refuses them.
   */
  | { readonly kind: 'link-x11-socket'; readonly hostDisplay?: number }
  /** Once it is done: the cookies in `name` made wildcard records (any host name, any display number). */
  | { readonly kind: 'xauth-wildcard'; readonly name: string }
  /** Before it starts: an empty directory `name`, mode 0700 (a mount point). */
  | { readonly kind: 'mkdir'; readonly name: string };

export interface HelperSpec {
  /** For messages, the registry and --tree. */
  readonly name: string;
  /** Host path of the program. */
  readonly path: string;
  /** The Debian package that provides it, for the error when it is missing. */
  readonly pkg: string;
  /** argv after argv[0]. */
  readonly args: readonly HelperArg[];
  /** Arguments handed over NUL-separated in a memfd (`--args=FD`): no length limit, and nothing parsed twice. */
  readonly argsFile?: readonly HelperArg[];
  readonly readiness: Readiness;
  readonly lifetime: Lifetime;
  readonly before?: readonly HelperStep[];
  readonly after?: readonly HelperStep[];
  /**
   * Where its standard output goes: nowhere, kiln's stdout (a log the user asked for), or a file (appended
   * to). Its standard error goes to NAME.log in the helper directory, and the end of it into kiln's error
   * message if the helper fails.
   */
  readonly stdout: { readonly kind: 'null' } | { readonly kind: 'inherit' } | { readonly kind: 'file'; readonly path: string };
  /** Environment changes on top of the caller's (unset first). */
  readonly unsetEnv?: readonly string[];
  /** Values may name the helper directory (`path` args), as xpra's HOME and XAUTHORITY do. */
  readonly setEnv?: readonly (readonly [string, HelperArg])[];
  /** How long kiln waits for readiness before it gives up, in milliseconds. */
  readonly readyTimeoutMs: number;
}
