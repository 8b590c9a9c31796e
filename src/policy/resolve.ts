/**
 * Directives → Policy. This first version folds command-line directives only; the profile language
 * (issue 3) feeds the same function with profile directives.
 */
import { UsageError } from '../errors.ts';
import type { CliDirective } from '../cli/args.ts';
import { emptyPolicy, type Origin, type Policy } from './policy.ts';

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

export function resolvePolicy(directives: readonly CliDirective[], base: Policy = emptyPolicy()): Policy {
  const p: Mutable<Policy> = { ...base };
  const notEnforced: { command: string; origin: Origin }[] = [...base.notEnforced];
  for (const d of directives) {
    const origin: Origin = { kind: 'cli', option: d.text };
    switch (d.name) {
      case 'quiet':
        p.quiet = true;
        break;
      case 'net':
        if (d.value === 'none') p.net = { kind: 'none' };
        else notEnforced.push({ command: d.name, origin });
        break;
      case 'hostname':
        if (d.value === undefined || d.value === '') throw new UsageError(`option '--hostname' needs a value: --hostname=NAME`);
        p.hostname = d.value;
        break;
      case 'ipc-namespace':
        p.ipcNamespace = true;
        break;
      case 'caps.drop':
        if (d.value === 'all') p.caps = { kind: 'drop-all' };
        else p.caps = { kind: 'drop', caps: (d.value ?? '').split(',').filter((c) => c !== '') };
        break;
      case 'caps.keep':
        p.caps = { kind: 'keep', caps: (d.value ?? '').split(',').filter((c) => c !== '') };
        break;
      case 'caps':
        p.caps = { kind: 'default-filter' };
        break;
      case 'env': {
        const v = d.value ?? '';
        const eq = v.indexOf('=');
        if (eq <= 0) throw new UsageError(`option '--env' needs NAME=VALUE (got '${d.text}')`);
        p.env = [...p.env, [v.slice(0, eq), v.slice(eq + 1)]];
        break;
      }
      case 'rmenv':
        p.rmenv = [...p.rmenv, d.value ?? ''];
        break;
      case 'shell':
        if (d.value !== undefined) p.shell = d.value;
        break;
      default:
        notEnforced.push({ command: d.name, origin });
    }
  }
  p.notEnforced = notEnforced;
  return p;
}
