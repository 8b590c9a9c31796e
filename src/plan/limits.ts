/**
 * Resource limits, niceness and CPU affinity. Niceness and affinity kiln sets on its own process just
 * before the exec; they are inherited by everything after it. Resource limits are set by the init stage
 * just before the program starts, as Firejail sets them after its own set-up: set earlier, they would
 * bind tini and bwrap too. The sandbox can lower them further with ulimit, as Firejail allows.
 */
import type { Policy, Rlimits } from '../policy/policy.ts';
import type { PreExecStep, Rlimit } from './types.ts';

/** RLIMIT_* numbers: the same on x86_64, i386 and aarch64 (asm-generic/resource.h). */
const RLIMIT: Readonly<Record<keyof Rlimits, readonly [number, string]>> = {
  cpu: [0, 'rlimit-cpu'],
  fsize: [1, 'rlimit-fsize'],
  nproc: [6, 'rlimit-nproc'],
  nofile: [7, 'rlimit-nofile'],
  as: [9, 'rlimit-as'],
  sigpending: [11, 'rlimit-sigpending'],
};

export function planRlimits(policy: Policy): Rlimit[] {
  const limits: Rlimit[] = [];
  for (const key of Object.keys(RLIMIT) as (keyof Rlimits)[]) {
    const value = policy.rlimits[key];
    const [resource, name] = RLIMIT[key];
    if (value !== undefined) limits.push({ name, resource, value });
  }
  return limits;
}

export function planLimits(policy: Policy): PreExecStep[] {
  const steps: PreExecStep[] = [];
  if (policy.nice !== undefined) steps.push({ kind: 'nice', value: policy.nice });
  if (policy.cpus !== undefined) steps.push({ kind: 'cpu-affinity', cpus: policy.cpus });
  if (policy.oomScoreAdj !== undefined) steps.push({ kind: 'oom-score-adj', value: policy.oomScoreAdj });
  return steps;
}
