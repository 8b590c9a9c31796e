/**
 * Resource limits, niceness and CPU affinity. kiln sets them on its own process just before exec'ing
 * bwrap; they are inherited by bwrap and by every process of the sandbox, and the sandbox can lower them
 * further with ulimit, as Firejail allows.
 */
import type { Policy, Rlimits } from '../policy/policy.ts';
import type { PreExecStep } from './types.ts';

/** RLIMIT_* numbers: the same on x86_64, i386 and aarch64 (asm-generic/resource.h). */
const RLIMIT: Readonly<Record<keyof Rlimits, readonly [number, string]>> = {
  cpu: [0, 'rlimit-cpu'],
  fsize: [1, 'rlimit-fsize'],
  nproc: [6, 'rlimit-nproc'],
  nofile: [7, 'rlimit-nofile'],
  as: [9, 'rlimit-as'],
  sigpending: [11, 'rlimit-sigpending'],
};

export function planLimits(policy: Policy): PreExecStep[] {
  const steps: PreExecStep[] = [];
  for (const key of Object.keys(RLIMIT) as (keyof Rlimits)[]) {
    const value = policy.rlimits[key];
    const [resource, name] = RLIMIT[key];
    if (value !== undefined) steps.push({ kind: 'rlimit', name, resource, value });
  }
  if (policy.nice !== undefined) steps.push({ kind: 'nice', value: policy.nice });
  if (policy.cpus !== undefined) steps.push({ kind: 'cpu-affinity', cpus: policy.cpus });
  return steps;
}
