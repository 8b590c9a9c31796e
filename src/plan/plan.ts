/**
 * Policy + HostFacts → LaunchPlan. Pure: no file system access, no clock, no environment reads. Everything
 * the plan depends on arrives in `facts`, so a profile → plan golden test needs no sandbox.
 */
import type { Policy } from '../policy/policy.ts';
import type { HostFacts } from '../host/facts.ts';
import { bwrapCapName, keptCapabilities } from './caps.ts';
import type { LaunchPlan, MountOp, Namespace, PreExecStep } from './types.ts';

export interface LaunchRequest {
  /** The program and its arguments; argv[0] is an absolute path on the host. */
  readonly argv: readonly string[];
}

/** The environment the program sees: the caller's, changed by `env` and `rmenv`. */
export function planEnvironment(policy: Policy, facts: HostFacts): string[] {
  const env = new Map(Object.entries(facts.env));
  for (const name of policy.rmenv) env.delete(name);
  for (const [name, value] of policy.env) env.set(name, value);
  return [...env].map(([k, v]) => `${k}=${v}`);
}

function planNamespaces(policy: Policy, facts: HostFacts): Namespace[] {
  const ns: Namespace[] = [];
  // NOTE: bwrap implies a user namespace when it is not setuid and the caller is not root; naming it
  // keeps the plan explicit and lets --debug show it.
  if (!facts.isRoot) ns.push('user');
  ns.push('pid');
  if (policy.ipcNamespace) ns.push('ipc');
  if (policy.hostname !== undefined) ns.push('uts');
  if (policy.net.kind !== 'host') ns.push('net');
  return ns;
}

/** The mounts every kiln sandbox starts from: the host tree, a fresh /proc, the host's /dev. */
function planBaseMounts(facts: HostFacts): MountOp[] {
  const mounts: MountOp[] = [
    { kind: 'bind', src: '/', dest: '/' },
    { kind: 'dev-bind', src: '/dev', dest: '/dev' },
    { kind: 'proc', dest: '/proc' },
  ];
  if (facts.isRoot) {
    // NOTE: bwrap covers /proc/irq and /proc/bus itself, but leaves /proc/sys writable for a privileged
    // caller. /proc/sys/net follows the reader's network namespace, so the host's view is the right one.
    mounts.push({ kind: 'ro-bind', src: '/proc/sys', dest: '/proc/sys' });
    mounts.push({ kind: 'ro-bind', src: '/proc/sysrq-trigger', dest: '/proc/sysrq-trigger', optional: true });
  }
  return mounts;
}

/**
 * Capabilities for a root sandbox: bwrap drops them from the process sets, kiln narrows the bounding set
 * before exec (see plan/caps.ts). An unprivileged sandbox has none on the host whatever happens here.
 */
function planCapabilities(policy: Policy, facts: HostFacts): { drop: string[]; add: string[]; preExec: PreExecStep[] } {
  if (!facts.isRoot) return { drop: [], add: [], preExec: [] };
  const wanted = keptCapabilities(policy.caps, facts.capLastCap);
  if (wanted === undefined) return { drop: [], add: [], preExec: [] };
  // NOTE: asking bwrap to keep a capability kiln itself lacks makes bwrap's capset fail, and bwrap then
  // leaves the sandbox with every capability it had. Only ever ask for what we hold.
  const keep = wanted.filter((c) => (facts.capPermitted >> BigInt(c)) & 1n);
  return {
    drop: ['ALL'],
    add: keep.map(bwrapCapName),
    preExec: [{ kind: 'cap-bounding', keep, lastCap: facts.capLastCap }],
  };
}

export function planLaunch(policy: Policy, facts: HostFacts, request: LaunchRequest): LaunchPlan {
  const caps = planCapabilities(policy, facts);
  return {
    bwrapPath: facts.bwrap.path,
    namespaces: planNamespaces(policy, facts),
    mounts: planBaseMounts(facts),
    ...(policy.hostname !== undefined ? { hostname: policy.hostname } : {}),
    capDrop: caps.drop,
    capAdd: caps.add,
    chdir: facts.cwd,
    env: planEnvironment(policy, facts),
    argv: request.argv,
    dieWithParent: true,
    newSession: false,
    blobs: [],
    seccomp: [],
    preExec: caps.preExec,
    initSteps: [],
    missing: [],
  };
}
