/**
 * Directives → Policy. This first version folds command-line directives only; the profile language
 * (issue 3) feeds the same function with profile directives.
 */
import { UsageError } from '../errors.ts';
import type { CliDirective } from '../cli/args.ts';
import { emptyPolicy, type Origin, type Policy } from './policy.ts';

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

function expandHome(path: string): string {
  const home = process.env['HOME'] ?? '/';
  return path.replace(/^~(?=\/|$)/, home).replace(/\$\{HOME\}/g, home);
}

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
      // Filesystem commands, enough to drive the planner until the profile resolver lands.
      case 'blacklist':
      case 'blacklist-nolog':
        p.fs = [...p.fs, { kind: 'blacklist', path: expandHome(d.value ?? ''), nolog: d.name !== 'blacklist', except: [], origin }];
        break;
      case 'whitelist':
      case 'whitelist-ro':
        p.fs = [...p.fs, { kind: 'whitelist', path: expandHome(d.value ?? ''), readOnly: d.name === 'whitelist-ro', except: [], origin }];
        break;
      case 'read-only':
      case 'read-write':
      case 'noexec':
      case 'tmpfs':
        p.fs = [...p.fs, { kind: d.name, path: expandHome(d.value ?? ''), origin }];
        break;
      case 'private':
        p.privateHome = d.value === undefined ? { kind: 'tmpfs' } : { kind: 'dir', dir: expandHome(d.value), origin };
        break;
      case 'private-home':
        p.privateHomeList = [...(p.privateHomeList ?? []), ...(d.value ?? '').split(',')];
        break;
      case 'private-bin':
        p.privateBin = [...(p.privateBin ?? []), ...(d.value ?? '').split(',')];
        break;
      case 'private-etc':
        p.privateEtc = [...(p.privateEtc ?? []), ...(d.value ?? '').split(',')];
        break;
      case 'private-tmp':
        p.privateTmp = true;
        break;
      case 'private-dev':
        p.privateDev = true;
        break;
      case 'private-cache':
        p.privateCache = true;
        break;
      case 'disable-mnt':
        p.disableMnt = true;
        break;
      case 'allusers':
        p.allusers = true;
        break;
      case 'machine-id':
        p.machineId = true;
        break;
      default:
        notEnforced.push({ command: d.name, origin });
    }
  }
  p.notEnforced = notEnforced;
  return p;
}
