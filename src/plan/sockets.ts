/**
 * `x11 none`, `dbus-user none`, `dbus-system none` (and `nodbus`): cut the sandbox off from the X server and
 * the message buses. Their filesystem sockets are hidden; their abstract sockets (the X server listens on
 * @/tmp/.X11-unix/X0, some buses on @/tmp/dbus-…) have no path to hide, so kiln either relies on a new
 * network namespace, where the host's abstract sockets do not exist, or asks Landlock (ABI 6+) to refuse
 * connections to abstract sockets created outside the sandbox.
 */
import { UsageError } from '../errors.ts';
import { exists, hide, type FsContext } from './fs-context.ts';

export interface SocketPlan {
  /** Environment variables the program must not see. */
  readonly unsetEnv: readonly string[];
  /** Whether abstract unix sockets outside the sandbox must be made unreachable with Landlock. */
  readonly scopeAbstract: boolean;
}

/** unix:path=/run/user/1000/bus,guid=… → /run/user/1000/bus; abstract and tcp addresses have no path. */
export function dbusSocketPaths(address: string | undefined): { paths: string[]; abstract: boolean } {
  const paths: string[] = [];
  let abstract = false;
  for (const part of (address ?? '').split(';')) {
    const m = /^unix:(.*)$/.exec(part.trim());
    if (m?.[1] === undefined) continue;
    for (const kv of m[1].split(',')) {
      const [k, v] = kv.split('=', 2) as [string, string | undefined];
      if (k === 'path' && v !== undefined) paths.push(decodeURIComponent(v));
      if (k === 'abstract') abstract = true;
    }
  }
  return { paths, abstract };
}

export function planSockets(ctx: FsContext): SocketPlan {
  const { policy, facts } = ctx;
  const unsetEnv: string[] = [];
  let needsScope = false;
  const hideIfThere = (p: string | undefined) => {
    if (p !== undefined && p !== '' && exists(ctx, p)) hide(ctx, p);
  };
  if (policy.x11.kind === 'none') {
    hideIfThere('/tmp/.X11-unix');
    hideIfThere(`${ctx.home}/.Xauthority`);
    hideIfThere(facts.env['XAUTHORITY']);
    unsetEnv.push('DISPLAY', 'XAUTHORITY');
    needsScope = true;
  }
  if (policy.dbusUser.kind === 'none') {
    const { paths } = dbusSocketPaths(facts.env['DBUS_SESSION_BUS_ADDRESS']);
    for (const p of [...paths, `${ctx.runUser}/bus`]) hideIfThere(p);
    unsetEnv.push('DBUS_SESSION_BUS_ADDRESS');
    needsScope = true;
  }
  if (policy.dbusSystem.kind === 'none') {
    const { paths } = dbusSocketPaths(facts.env['DBUS_SYSTEM_BUS_ADDRESS']);
    for (const p of [...paths, '/run/dbus/system_bus_socket']) hideIfThere(p);
    unsetEnv.push('DBUS_SYSTEM_BUS_ADDRESS');
    needsScope = true;
  }
  // In a new network namespace the host's abstract sockets are out of reach already.
  const scopeAbstract = needsScope && policy.net.kind === 'host';
  if (scopeAbstract && facts.landlockAbi < 6) {
    throw new UsageError(
      'x11 none / dbus-* none: the host\'s abstract sockets would stay reachable; add net none, or use a kernel with Landlock ABI 6 or later',
    );
  }
  return { unsetEnv, scopeAbstract };
}
