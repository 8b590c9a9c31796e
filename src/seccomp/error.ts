/**
 * The compiler's typed error. It is a UsageError (exit status 1): every cause is something the profile
 * or the command line asked for.
 */
import { UsageError } from '../errors.ts';

export type SeccompProblem =
  | { readonly kind: 'unknown-syscall'; readonly name: string; readonly suggestion?: string }
  | { readonly kind: 'unknown-group'; readonly name: string; readonly suggestion?: string }
  | { readonly kind: 'bad-entry'; readonly text: string; readonly reason: string }
  | { readonly kind: 'bad-action'; readonly text: string }
  | { readonly kind: 'unknown-protocol'; readonly name: string }
  | { readonly kind: 'unknown-namespace'; readonly name: string }
  | { readonly kind: 'action-in-allowlist'; readonly text: string }
  | { readonly kind: 'too-large'; readonly instructions: number; readonly limit: number };

export class SeccompError extends UsageError {
  override readonly name = 'SeccompError';
  constructor(readonly problem: SeccompProblem) {
    super(describe(problem));
  }
}

function describe(p: SeccompProblem): string {
  const hint = (s?: string) => (s === undefined ? '' : ` (did you mean '${s}'?)`);
  switch (p.kind) {
    case 'unknown-syscall':
      return `seccomp: unknown syscall '${p.name}'${hint(p.suggestion)}`;
    case 'unknown-group':
      return `seccomp: unknown syscall group '@${p.name}'${hint(p.suggestion && `@${p.suggestion}`)}`;
    case 'bad-entry':
      return `seccomp: bad list entry '${p.text}': ${p.reason}`;
    case 'bad-action':
      return `seccomp: unknown error action '${p.text}' (expected kill, log or an errno name such as EPERM)`;
    case 'unknown-protocol':
      return `protocol: unknown protocol '${p.name}' (expected unix, inet, inet6, netlink, packet or bluetooth)`;
    case 'unknown-namespace':
      return `restrict-namespaces: unknown namespace '${p.name}' (expected cgroup, ipc, net, mnt, pid, time, user or uts)`;
    case 'action-in-allowlist':
      return `seccomp.keep: '${p.text}' has an action, but an allowlist entry only allows`;
    case 'too-large':
      return `seccomp: the filter needs ${p.instructions} BPF instructions, more than the kernel accepts (${p.limit})`;
  }
}
