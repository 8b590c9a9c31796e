/**
 * `?CONDITION: line`. The HAS_* conditions look at what the sandbox has been asked for so far: the
 * command line (read before any profile, as in Firejail) and then the profile lines above the condition.
 * The others are switches of the global configuration (kiln.config, or Firejail's firejail.config).
 */
import type { DirectiveBody } from './directive.ts';
import type { GlobalConfig } from './config.ts';

export const CONDITIONS = [
  'HAS_APPIMAGE',
  'HAS_NET',
  'HAS_NODBUS',
  'HAS_NOSOUND',
  'HAS_PRIVATE',
  'HAS_X11',
  'ALLOW_TRAY',
  'BROWSER_ALLOW_DRM',
  'BROWSER_DISABLE_U2F',
] as const;
export type ConditionName = (typeof CONDITIONS)[number];

export function isCondition(name: string): name is ConditionName {
  return (CONDITIONS as readonly string[]).includes(name);
}

/** What the HAS_* conditions test, updated as directives are read. */
export interface ConditionState {
  appimage: boolean;
  /** A network namespace was asked for: `net` (any, `none` included) or `netns`. */
  net: boolean;
  nodbusUser: boolean;
  nodbusSystem: boolean;
  nosound: boolean;
  private: boolean;
  /** Any `x11` command, `x11 none` included (Firejail counts it too). */
  x11: boolean;
}

export function initialConditions(appimage: boolean): ConditionState {
  return { appimage, net: false, nodbusUser: false, nodbusSystem: false, nosound: false, private: false, x11: false };
}

/** Updates the state with one directive. Only the handful of commands that conditions test matter. */
export function observe(state: ConditionState, d: DirectiveBody): void {
  switch (d.kind) {
    case 'net':
    case 'netns':
      state.net = true;
      break;
    case 'nodbus':
      state.nodbusUser = true;
      state.nodbusSystem = true;
      break;
    case 'dbus-user':
      if (d.mode === 'none') state.nodbusUser = true;
      break;
    case 'dbus-system':
      if (d.mode === 'none') state.nodbusSystem = true;
      break;
    case 'nosound':
      state.nosound = true;
      break;
    case 'private':
    case 'private-home':
      state.private = true;
      break;
    case 'x11':
      state.x11 = true;
      break;
    default:
      break;
  }
}

export function evaluateCondition(name: ConditionName, state: ConditionState, config: () => GlobalConfig): boolean {
  switch (name) {
    case 'HAS_APPIMAGE':
      return state.appimage;
    case 'HAS_NET':
      return state.net;
    case 'HAS_NODBUS':
      // NOTE: Firejail 0.9.72 treats either bus being off as "no D-Bus" (verified against its binary).
      return state.nodbusUser || state.nodbusSystem;
    case 'HAS_NOSOUND':
      return state.nosound;
    case 'HAS_PRIVATE':
      return state.private;
    case 'HAS_X11':
      return state.x11;
    case 'ALLOW_TRAY':
      return config().allowTray;
    case 'BROWSER_ALLOW_DRM':
      return config().browserAllowDrm;
    case 'BROWSER_DISABLE_U2F':
      return config().browserDisableU2f;
  }
}
