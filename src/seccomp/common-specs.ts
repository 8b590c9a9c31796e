/**
 * Specs nearly every launch compiles, precompiled at development time into precompiled.generated.ts
 * (by scripts/gen-seccomp-cache.ts) so that a launch only looks them up: `--noprofile` (kiln's hardening
 * alone) and Firejail's default.profile (`seccomp`, `protocol unix,inet,inet6`, `restrict-namespaces`).
 */
import { ARCHES, type Arch } from './arch.ts';
import { baseSpec, NAMESPACES, type FilterSpec } from './spec.ts';

/** Firejail's default.profile, as far as seccomp is concerned. */
export function defaultProfileSpec(arch: Arch): FilterSpec {
  return {
    ...baseSpec(arch),
    syscalls: { kind: 'blocklist', defaultList: true, entries: [] },
    protocols: ['unix', 'inet', 'inet6'],
    restrictNamespaces: NAMESPACES,
  };
}

export function commonSpecs(): FilterSpec[] {
  return ARCHES.flatMap((arch) => [baseSpec(arch), defaultProfileSpec(arch)]);
}
