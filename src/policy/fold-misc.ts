/**
 * Folding environment, identity, resources and lifetime. Single values: the last one wins (so the command
 * line overrides the profile). Lists (env, rmenv, keep-fd): accumulated in order.
 */
import { assertNever } from '../errors.ts';
import type { Directive, RlimitCommand } from '../profile/directive.ts';
import type { Draft } from './draft.ts';
import type { Rlimits } from './policy.ts';

export type MiscKind =
  | 'quiet'
  | 'env'
  | 'rmenv'
  | 'shell'
  | 'name'
  | 'join-or-start'
  | 'ipc-namespace'
  | 'cpu'
  | 'nice'
  | RlimitCommand
  | 'timeout'
  | 'keep-fd'
  | 'deterministic-exit-code'
  | 'deterministic-shutdown'
  | 'tab';

const RLIMIT_FIELD: Readonly<Record<RlimitCommand, keyof Rlimits>> = {
  'rlimit-as': 'as',
  'rlimit-cpu': 'cpu',
  'rlimit-fsize': 'fsize',
  'rlimit-nofile': 'nofile',
  'rlimit-nproc': 'nproc',
  'rlimit-sigpending': 'sigpending',
};

export function foldMisc(draft: Draft, d: Directive & { kind: MiscKind }): void {
  const p = draft.p;
  switch (d.kind) {
    case 'quiet':
      p.quiet = true;
      return;
    case 'env':
      p.env = [...p.env, [d.name, d.value]];
      return;
    case 'rmenv':
      if (!p.rmenv.includes(d.name)) p.rmenv = [...p.rmenv, d.name];
      return;
    case 'shell':
      p.shell = d.value;
      return;
    case 'name':
      p.name = d.value;
      return;
    case 'join-or-start':
      p.joinOrStart = d.value;
      return;
    case 'ipc-namespace':
      p.ipcNamespace = true;
      return;
    case 'cpu':
      p.cpus = d.cpus;
      return;
    case 'nice':
      p.nice = d.nice;
      return;
    case 'rlimit-as':
    case 'rlimit-cpu':
    case 'rlimit-fsize':
    case 'rlimit-nofile':
    case 'rlimit-nproc':
    case 'rlimit-sigpending':
      p.rlimits = { ...p.rlimits, [RLIMIT_FIELD[d.kind]]: d.limit };
      return;
    case 'timeout':
      p.timeoutSeconds = d.seconds;
      return;
    case 'keep-fd':
      if (d.fds === 'all' || p.keepFds === 'all') p.keepFds = 'all';
      else p.keepFds = [...new Set([...p.keepFds, ...d.fds])];
      return;
    case 'deterministic-exit-code':
      p.deterministicExitCode = true;
      return;
    case 'deterministic-shutdown':
      p.deterministicShutdown = true;
      return;
    case 'tab':
      p.tab = true;
      return;
    default:
      assertNever(d);
  }
}
