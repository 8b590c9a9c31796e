/**
 * The program's environment from the caller's and the plan's changes. Its own module because a launch
 * from the plan cache needs this and nothing else of the planner.
 */
import type { EnvChanges } from './types.ts';

/** The environment the program sees: the caller's, changed by `rmenv` (and cut-off sockets), then `env`. */
export function applyEnvChanges(base: Readonly<Record<string, string>>, changes: EnvChanges): string[] {
  const env = new Map(Object.entries(base));
  for (const name of changes.unset) env.delete(name);
  for (const [name, value] of changes.set) env.set(name, value);
  return [...env].map(([k, v]) => `${k}=${v}`);
}
