/**
 * `apparmor`, `apparmor NAME`, `apparmor-replace` and `apparmor-stack`: what the launch does about them on
 * this host. A pure function of the policy and the host's AppArmor facts; the init stage carries it out
 * (launch/init.ts) by asking the kernel for the profile on exec, last thing before the program starts.
 */
import type { AppArmorFacts } from '../host/apparmor.ts';
import type { Policy } from '../policy/policy.ts';
import type { AppArmorRequest } from './types.ts';

/** The profile `apparmor` without a name asks for: kiln's own (contrib/apparmor/kiln-default). */
export const KILN_DEFAULT_PROFILE = 'kiln-default';

/** How to install kiln's profile, for messages. */
export const INSTALL_HINT =
  `install kiln's profile (contrib/apparmor/kiln-default) as /etc/apparmor.d/${KILN_DEFAULT_PROFILE} and load it, as root, with: apparmor_parser -r /etc/apparmor.d/${KILN_DEFAULT_PROFILE} (see docs/apparmor.md)`;

export type AppArmorDecision =
  /** The policy does not ask for AppArmor. */
  | { readonly kind: 'off' }
  /** Asked for, but the kernel has no AppArmor (or it is off): nothing to apply; said under --debug only. */
  | { readonly kind: 'absent'; readonly note: string }
  /** The init stage asks the kernel for the profile on exec. */
  | { readonly kind: 'confine'; readonly request: AppArmorRequest; readonly note: string }
  /** kiln-default is known not to be loaded: the program runs without it, and a warning says how to load it. */
  | { readonly kind: 'unconfined'; readonly warning: string }
  /** A profile the policy names is known not to be loaded: the launch stops. */
  | { readonly kind: 'refuse'; readonly message: string };

export function notLoadedWarning(profile: string): string {
  return `AppArmor profile ${profile} is not loaded; the program runs without AppArmor confinement. To confine it, ${INSTALL_HINT}`;
}

export function notLoadedError(profile: string): string {
  return `the AppArmor profile ${profile} that the profile or --apparmor names is not loaded into the kernel; load it with apparmor_parser -r, or use the default (apparmor without a name)`;
}

/**
 * The decision. Stacking is the default, as Firejail does since 0.9.72: the program keeps whatever
 * confinement kiln itself runs under and gets the profile's on top, so it can only lose permissions.
 * `apparmor-replace` asks for Firejail's older behaviour, a change of profile (`exec`).
 *
 * A profile not loaded: kiln's default one is an install step the host has not taken, and hundreds
 * of Firejail's profiles say `apparmor`, so the program runs with a warning that names the step (Firejail
 * warns too), and keeps every other layer of its sandbox. A profile the policy names is a deliberate
 * choice, most likely mistyped: kiln refuses to start the program rather than run it unconfined.
 */
export function decideAppArmor(policy: Policy, facts: AppArmorFacts): AppArmorDecision {
  if (policy.apparmor === undefined) return { kind: 'off' };
  if (!facts.enabled) return { kind: 'absent', note: "AppArmor: the kernel has no AppArmor enabled; 'apparmor' is not applied" };
  const named = policy.apparmor.profile !== undefined;
  const profile = policy.apparmor.profile ?? KILN_DEFAULT_PROFILE;
  const mode = policy.apparmorReplace ? 'exec' : 'stack';
  const loaded = facts.loaded === undefined ? undefined : facts.loaded.includes(profile);
  if (loaded === false) return named ? { kind: 'refuse', message: notLoadedError(profile) } : { kind: 'unconfined', warning: notLoadedWarning(profile) };
  // Loaded, or unknown (an unprivileged caller cannot read the list): the kernel's answer decides, and
  // a profile known to be loaded that has gone since stops the launch.
  const ifNotLoaded = loaded === true || named ? 'fail' : 'warn';
  const how = mode === 'stack' ? `stacks ${profile} on the program's confinement` : `changes the program's profile to ${profile} (apparmor-replace)`;
  return {
    kind: 'confine',
    request: { profile, mode, ifNotLoaded },
    note: `AppArmor: the init stage ${how} at exec${loaded === undefined ? "; whether it is loaded is the kernel's to say" : ''}`,
  };
}
