/**
 * The X server and the message buses. `x11 none`, `dbus-user none`, `dbus-system none` (and `nodbus`) cut
 * the sandbox off from them: their filesystem sockets are hidden. `dbus-* filter` puts xdg-dbus-proxy in
 * between (src/desktop/dbus.ts) and hides the real bus the same way. Abstract sockets (the X server
 * listens on @/tmp/.X11-unix/X0, some buses on @/tmp/dbus-…) have no path to hide, so kiln either relies
 * on a new network namespace, where the host's abstract sockets do not exist, or asks Landlock (ABI 6+) to
 * refuse connections to abstract sockets created outside the sandbox. Path sockets, the proxy's included,
 * still work under that scope.
 */
import { UsageError } from '../errors.ts';
import type { HelperSpec } from '../helpers/spec.ts';
import { dbusSocketPaths } from '../desktop/address.ts';
import { planDbusProxy, SYSTEM_BUS_SOCKET } from '../desktop/dbus.ts';
import { planX11Server, type X11Plan } from '../desktop/x11.ts';
import { exists, hide, type FsContext } from './fs-context.ts';
import type { MountOp } from './types.ts';

export interface SocketPlan {
  /** Environment variables the program must not see. */
  readonly unsetEnv: readonly string[];
  /** Environment variables that point the program at its helpers (the proxy's buses). */
  readonly setEnv: readonly (readonly [string, string])[];
  /** Ops bwrap applies after every other mount (the X socket, whose name is known only at launch). */
  readonly lastMounts: readonly MountOp[];
  /** Whether abstract unix sockets outside the sandbox must be made unreachable with Landlock. */
  readonly scopeAbstract: boolean;
  readonly helpers: readonly HelperSpec[];
  readonly warnings: readonly string[];
}

export function planSockets(ctx: FsContext): SocketPlan {
  const { policy, facts } = ctx;
  const unsetEnv: string[] = [];
  let needsScope = false;
  const hideIfThere = (p: string | undefined) => {
    if (p !== undefined && p !== '' && exists(ctx, p)) hide(ctx, p);
  };
  let x11: X11Plan | undefined;
  if (policy.x11.kind === 'none' || policy.x11.kind === 'server') {
    // The user's own cookies never reach the sandbox, whichever X server it gets.
    hideIfThere(`${ctx.home}/.Xauthority`);
    hideIfThere(facts.env['XAUTHORITY']);
    needsScope = true;
  }
  if (policy.x11.kind === 'none') {
    hideIfThere('/tmp/.X11-unix');
    unsetEnv.push('DISPLAY', 'XAUTHORITY');
  }
  if (policy.x11.kind === 'server') {
    // The launch sets DISPLAY once it knows the display number; never the caller's.
    unsetEnv.push('DISPLAY');
    x11 = planX11Server(ctx, policy.x11);
  }
  if (policy.dbusUser.kind === 'none') {
    const { paths } = dbusSocketPaths(facts.env['DBUS_SESSION_BUS_ADDRESS']);
    for (const p of [...paths, `${ctx.runUser}/bus`]) hideIfThere(p);
    unsetEnv.push('DBUS_SESSION_BUS_ADDRESS');
    needsScope = true;
  }
  if (policy.dbusSystem.kind === 'none') {
    const { paths } = dbusSocketPaths(facts.env['DBUS_SYSTEM_BUS_ADDRESS']);
    for (const p of [...paths, SYSTEM_BUS_SOCKET]) hideIfThere(p);
    unsetEnv.push('DBUS_SYSTEM_BUS_ADDRESS');
    needsScope = true;
  }
  const dbus = planDbusProxy(ctx);
  for (const p of dbus.hide) hideIfThere(p);
  unsetEnv.push(...dbus.unsetEnv);
  if (policy.dbusUser.kind === 'filter' || policy.dbusSystem.kind === 'filter') needsScope = true;
  // In a new network namespace the host's abstract sockets are out of reach already.
  const scopeAbstract = needsScope && policy.net.kind === 'host';
  if (scopeAbstract && facts.landlockAbi < 6) {
    throw new UsageError(
      'x11 / dbus-* none / dbus-* filter: the host\'s abstract sockets would stay reachable; add net none, or use a kernel with Landlock ABI 6 or later',
    );
  }
  return {
    unsetEnv,
    setEnv: [...dbus.setEnv, ...(x11?.setEnv ?? [])],
    lastMounts: x11 !== undefined ? [x11.mount] : [],
    scopeAbstract,
    // The proxy first: it is ready in milliseconds, an X server in a few hundred.
    helpers: [...(dbus.helper !== undefined ? [dbus.helper] : []), ...(x11?.helpers ?? [])],
    warnings: dbus.warnings,
  };
}
