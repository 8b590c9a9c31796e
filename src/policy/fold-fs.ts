/** Folding filesystem directives: ordered rules with their exemptions, private-* lists, /dev switches. */
import { assertNever } from '../errors.ts';
import type { IncludeChain, Origin } from '../profile/diagnostics.ts';
import type { Directive, ListCommand, PathCommand } from '../profile/directive.ts';
import { report, type Draft } from './draft.ts';
import { ExemptionSet } from './exemptions.ts';
import { hasGlob } from '../profile/paths.ts';
import type { FsRule } from './policy.ts';

export type FsKind =
  | PathCommand
  | ListCommand
  | 'bind'
  | 'private'
  | 'private-cwd'
  | 'hosts-file'
  | 'private-cache'
  | 'private-dev'
  | 'private-tmp'
  | 'disable-mnt'
  | 'keep-dev-shm'
  | 'keep-var-tmp'
  | 'keep-config-pulse'
  | 'noautopulse'
  | 'writable-etc'
  | 'writable-var'
  | 'writable-var-log'
  | 'writable-run-user'
  | 'allusers'
  | 'machine-id'
  | 'no3d'
  | 'nodvd'
  | 'nosound'
  | 'notv'
  | 'nou2f'
  | 'novideo'
  | 'noinput'
  | 'noprinters';

/** Which `noblacklist` / `nowhitelist` patterns a rule answers to (see exemptions.ts). */
export type Scope = 'profile' | 'cli';

function appendUnique(list: readonly string[] | undefined, items: readonly string[]): string[] {
  const out = [...(list ?? [])];
  for (const i of items) if (!out.includes(i)) out.push(i);
  return out;
}

type ExemptableKind = 'blacklist' | 'blacklist-nolog' | 'whitelist' | 'whitelist-ro';

/**
 * What folding needs of a path directive, computed once per parsed directive and shared by every policy
 * that folds it: which paths are globs, and the rules when no pattern touches them (the common case).
 * FsRule is immutable, and the corpus benchmark folds the same include files thousands of times.
 */
interface Prepared {
  readonly globs: readonly boolean[];
  readonly plain: readonly Extract<FsRule, { kind: 'blacklist' | 'whitelist' }>[];
}
const prepared = new WeakMap<Directive, Prepared>();

function makeRule(kind: ExemptableKind, path: string, except: readonly string[], origin: Origin): Extract<FsRule, { kind: 'blacklist' | 'whitelist' }> {
  return kind === 'blacklist' || kind === 'blacklist-nolog'
    ? { kind: 'blacklist', path, nolog: kind === 'blacklist-nolog', except, origin }
    : { kind: 'whitelist', path, readOnly: kind === 'whitelist-ro', except, origin };
}

function prepare(d: Directive, kind: ExemptableKind, paths: readonly string[]): Prepared {
  let p = prepared.get(d);
  if (p === undefined) {
    const globs: boolean[] = [];
    const plain: Prepared['plain'][number][] = [];
    for (const path of paths) {
      globs.push(hasGlob(path));
      plain.push(makeRule(kind, path, NO_EXCEPT, d.origin));
    }
    p = { globs, plain };
    prepared.set(d, p);
  }
  return p;
}

function addExemptable(draft: Draft, d: Directive, kind: ExemptableKind, paths: readonly string[], scope: Scope): void {
  const isBlack = kind === 'blacklist' || kind === 'blacklist-nolog';
  const sets = isBlack ? draft.noBlacklist : draft.noWhitelist;
  // Command-line rules override the profile: the profile's patterns do not exempt them.
  const apply = scope === 'profile' ? sets.forProfile : sets.forCli;
  const prep = prepare(d, kind, paths);
  for (let i = 0; i < paths.length; i++) {
    const path = paths[i] ?? '';
    const judged = ExemptionSet.judge(path, prep.globs[i] === true, apply);
    if (judged.kind === 'exempt') draft.exempted.push({ rule: makeRule(kind, path, NO_EXCEPT, d.origin), by: judged.by });
    else if (judged.except.length > 0) draft.fs.push(makeRule(kind, path, judged.except, d.origin));
    else draft.fs.push(prep.plain[i] ?? makeRule(kind, path, NO_EXCEPT, d.origin));
  }
}

const NO_EXCEPT: readonly string[] = [];

export function foldFs(draft: Draft, d: Directive & { kind: FsKind }, scope: Scope, chain: IncludeChain): void {
  const p = draft.p;
  switch (d.kind) {
    case 'noblacklist':
    case 'nowhitelist': {
      // Command-line patterns were collected before folding began (resolve.ts).
      if (scope === 'cli') return;
      const set = d.kind === 'noblacklist' ? draft.noBlacklist.profile : draft.noWhitelist.profile;
      for (const path of d.paths) set.add(path, d.origin);
      return;
    }
    case 'blacklist':
    case 'blacklist-nolog':
    case 'whitelist':
    case 'whitelist-ro':
      addExemptable(draft, d, d.kind, d.paths, scope);
      return;
    case 'read-only':
    case 'read-write':
    case 'noexec':
    case 'tmpfs':
    case 'mkdir':
    case 'mkfile':
      for (const path of d.paths) draft.fs.push({ kind: d.kind, path, origin: d.origin });
      return;
    case 'bind':
      draft.fs.push({ kind: 'bind', src: d.src, dest: d.dest, origin: d.origin });
      return;
    case 'private':
      p.privateHome = d.dir === undefined ? { kind: 'tmpfs' } : { kind: 'dir', dir: d.dir, origin: d.origin };
      return;
    case 'private-home':
      p.privateHomeList = appendUnique(p.privateHomeList, d.items);
      return;
    case 'private-bin':
      if (d.items.length === 0) report(draft, 'error', d.origin, chain, 'private-bin needs at least one program');
      p.privateBin = appendUnique(p.privateBin, d.items);
      return;
    case 'private-etc':
      p.privateEtc = appendUnique(p.privateEtc, d.items);
      return;
    case 'private-lib':
      p.privateLib = appendUnique(p.privateLib, d.items);
      return;
    case 'private-opt':
      p.privateOpt = appendUnique(p.privateOpt, d.items);
      return;
    case 'private-srv':
      p.privateSrv = appendUnique(p.privateSrv, d.items);
      return;
    case 'private-cwd':
      p.privateCwd = d.dir === undefined ? { kind: 'home' } : { kind: 'dir', dir: d.dir };
      return;
    case 'hosts-file':
      p.hostsFile = d.path;
      return;
    case 'private-cache':
      p.privateCache = true;
      return;
    case 'private-dev':
      p.privateDev = true;
      return;
    case 'private-tmp':
      p.privateTmp = true;
      return;
    case 'disable-mnt':
      p.disableMnt = true;
      return;
    case 'keep-dev-shm':
      p.keepDevShm = true;
      return;
    case 'keep-var-tmp':
      p.keepVarTmp = true;
      return;
    case 'keep-config-pulse':
    case 'noautopulse':
      p.keepConfigPulse = true;
      return;
    case 'writable-etc':
      p.writableEtc = true;
      return;
    case 'writable-var':
      p.writableVar = true;
      return;
    case 'writable-var-log':
      p.writableVarLog = true;
      return;
    case 'writable-run-user':
      p.writableRunUser = true;
      return;
    case 'allusers':
      p.allusers = true;
      return;
    case 'machine-id':
      p.machineId = true;
      return;
    case 'no3d':
    case 'nodvd':
    case 'nosound':
    case 'notv':
    case 'nou2f':
    case 'novideo':
    case 'noinput':
    case 'noprinters':
      p.devices = { ...p.devices, [d.kind]: true };
      return;
    default:
      assertNever(d);
  }
}
