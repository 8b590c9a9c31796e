/**
 * `dbus-user filter` and `dbus-system filter`: the sandbox talks to the bus through xdg-dbus-proxy, the
 * filtering proxy Flatpak and Firejail use. One proxy serves both buses (one section of arguments each);
 * its sockets are bound where the program looks for the buses, and the real sockets stay hidden. Firejail's
 * rules map one to one onto the proxy's options (docs/desktop.md):
 *
 *   dbus-user filter            → ADDRESS PATH --filter
 *   dbus-user.own/talk/see NAME → --own=NAME / --talk=NAME / --see=NAME  (NAME may end in .*)
 *   dbus-user.call NAME=RULE    → --call=NAME=RULE   (RULE: [INTERFACE.METHOD][@PATH], * allowed)
 *   dbus-user.broadcast N=RULE  → --broadcast=N=RULE
 *   --dbus-user.log             → --log in that bus's section; --dbus-log=FILE → the proxy's stdout to FILE
 */
import type { HelperArg, HelperSpec } from '../helpers/spec.ts';
import type { DbusPolicy, DbusRule } from '../policy/policy.ts';
import { dbusSocketPaths } from './address.ts';
import { placeHelperSocket, type FsContext } from '../plan/fs-context.ts';
import { HostError } from '../errors.ts';
import { findSystemTool } from './tools.ts';

export const PROXY_PACKAGE = 'xdg-dbus-proxy';
export const SYSTEM_BUS_SOCKET = '/run/dbus/system_bus_socket';
/** The proxy says it is ready in a few milliseconds; a generous bound for a loaded machine. */
const PROXY_READY_TIMEOUT_MS = 20_000;

export interface DbusPlan {
  readonly helper?: HelperSpec;
  /** Where the sandbox finds the filtered buses. */
  readonly setEnv: (readonly [string, string])[];
  /** Real socket paths the sandbox must not reach. */
  readonly hide: string[];
  /** Variables to unset (a bus the sandbox runs without). */
  readonly unsetEnv: string[];
  readonly warnings: string[];
}

/** xdg-dbus-proxy: KILN_XDG_DBUS_PROXY (tests, other installations), else the system directories. */
function proxyPath(ctx: FsContext): string {
  const override = ctx.facts.env['KILN_XDG_DBUS_PROXY'];
  if (override !== undefined && override !== '') return override;
  const found = findSystemTool(ctx, 'xdg-dbus-proxy');
  if (found === undefined) {
    throw new HostError(`dbus-user/dbus-system filter needs xdg-dbus-proxy, which was not found: install the ${PROXY_PACKAGE} package (apt-get install ${PROXY_PACKAGE}); kiln does not fall back to the unfiltered bus`);
  }
  return found;
}

function ruleArg(r: DbusRule): string {
  switch (r.verb) {
    case 'own':
    case 'talk':
    case 'see':
      return `--${r.verb}=${r.name}`;
    case 'call':
    case 'broadcast':
      return `--${r.verb}=${r.name}=${r.rule}`;
  }
}

interface Bus {
  readonly which: 'user' | 'system';
  readonly policy: Extract<DbusPolicy, { kind: 'filter' }>;
  readonly address: string;
}

/** The session bus's address as a client finds it: DBUS_SESSION_BUS_ADDRESS, else $XDG_RUNTIME_DIR/bus. */
function sessionAddress(ctx: FsContext): string | undefined {
  const env = ctx.facts.env['DBUS_SESSION_BUS_ADDRESS'];
  if (env !== undefined && env !== '') return env;
  return ctx.fs.lstat(`${ctx.runUser}/bus`) !== undefined ? `unix:path=${ctx.runUser}/bus` : undefined;
}

function systemAddress(ctx: FsContext): string | undefined {
  const env = ctx.facts.env['DBUS_SYSTEM_BUS_ADDRESS'];
  if (env !== undefined && env !== '') return env;
  return ctx.fs.lstat(SYSTEM_BUS_SOCKET) !== undefined ? `unix:path=${SYSTEM_BUS_SOCKET}` : undefined;
}

/** Plans the proxy for the buses the policy filters; nothing when neither is filtered. */
export function planDbusProxy(ctx: FsContext): DbusPlan {
  const { policy } = ctx;
  const out: DbusPlan = { setEnv: [], hide: [], unsetEnv: [], warnings: [] };
  const buses: Bus[] = [];
  if (policy.dbusUser.kind === 'filter') {
    const address = sessionAddress(ctx);
    if (address === undefined) {
      out.warnings.push('dbus-user filter: no session bus was found (DBUS_SESSION_BUS_ADDRESS is unset and there is no $XDG_RUNTIME_DIR/bus); the sandbox runs without one');
      out.hide.push(`${ctx.runUser}/bus`);
      out.unsetEnv.push('DBUS_SESSION_BUS_ADDRESS');
    } else buses.push({ which: 'user', policy: policy.dbusUser, address });
  }
  if (policy.dbusSystem.kind === 'filter') {
    const address = systemAddress(ctx);
    if (address === undefined) {
      out.warnings.push(`dbus-system filter: no system bus was found (DBUS_SYSTEM_BUS_ADDRESS is unset and there is no ${SYSTEM_BUS_SOCKET}); the sandbox runs without one`);
      out.unsetEnv.push('DBUS_SYSTEM_BUS_ADDRESS');
    } else buses.push({ which: 'system', policy: policy.dbusSystem, address });
  }
  if (buses.length === 0) return out;

  const argsFile: HelperArg[] = [];
  for (const bus of buses) {
    const socket = `dbus-${bus.which}`;
    argsFile.push(bus.address, { kind: 'path', name: socket }, '--filter');
    if (bus.policy.log) argsFile.push('--log');
    argsFile.push(...bus.policy.rules.map(ruleArg));
    // The real bus: its path sockets hidden (the proxy's takes the usual place), its abstract ones cut
    // off by the caller (plan/sockets.ts) with a network namespace or Landlock.
    const dest = bus.which === 'user' ? `${ctx.runUser}/bus` : SYSTEM_BUS_SOCKET;
    for (const p of dbusSocketPaths(bus.address).paths) if (p !== dest) out.hide.push(p);
    placeHelperSocket(ctx, dest, socket);
    if (bus.which === 'user') out.setEnv.push(['DBUS_SESSION_BUS_ADDRESS', `unix:path=${dest}`]);
    else if (ctx.facts.env['DBUS_SYSTEM_BUS_ADDRESS'] !== undefined) out.setEnv.push(['DBUS_SYSTEM_BUS_ADDRESS', `unix:path=${dest}`]);
  }
  const logging = buses.some((b) => b.policy.log);
  const helper: HelperSpec = {
    name: 'xdg-dbus-proxy',
    path: proxyPath(ctx),
    pkg: PROXY_PACKAGE,
    args: [{ kind: 'ready-fd', prefix: '--fd=' }, { kind: 'args-fd', prefix: '--args=' }],
    argsFile,
    readiness: { kind: 'byte' },
    lifetime: { kind: 'fd' },
    stdout: !logging ? { kind: 'null' } : policy.dbusLogFile !== undefined ? { kind: 'file', path: policy.dbusLogFile } : { kind: 'inherit' },
    readyTimeoutMs: PROXY_READY_TIMEOUT_MS,
  };
  return { ...out, helper };
}
