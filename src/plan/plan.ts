/**
 * Policy + HostFacts → LaunchPlan. Pure: no file system access, no clock, no environment reads. Everything
 * the plan depends on arrives in `facts`, so a profile → plan golden test needs no sandbox.
 */
import type { Policy } from '../policy/policy.ts';
import type { HostFacts } from '../host/facts.ts';
import type { LaunchPlan, MountOp, Namespace } from './types.ts';

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

const ALL_CAPS = 'ALL';

function planCapabilities(policy: Policy, facts: HostFacts): { drop: string[]; add: string[] } {
  // Unprivileged sandboxes have no capabilities on the host whatever happens here; bwrap drops the
  // namespace-local ones before exec.
  if (!facts.isRoot) return { drop: [], add: [] };
  const caps = policy.caps;
  switch (caps.kind) {
    case 'unchanged':
      return { drop: [], add: [] };
    case 'drop-all':
      return { drop: [ALL_CAPS], add: [] };
    case 'drop':
      return { drop: caps.caps.map(capName), add: [] };
    case 'keep':
      return { drop: [ALL_CAPS], add: caps.caps.map(capName) };
    case 'default-filter':
      return { drop: DEFAULT_FILTER_DROPS.map(capName), add: [] };
  }
}

/** `caps`: the capabilities Firejail's default filter removes (see firejail(1), --caps). */
const DEFAULT_FILTER_DROPS = [
  'sys_module',
  'sys_rawio',
  'sys_boot',
  'sys_nice',
  'sys_tty_config',
  'syslog',
  'mknod',
  'sys_admin',
];

/** bwrap spells capabilities CAP_SYS_ADMIN; profiles spell them sys_admin. */
function capName(cap: string): string {
  const up = cap.toUpperCase();
  return up.startsWith('CAP_') ? up : `CAP_${up}`;
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
    initSteps: [],
    missing: [],
  };
}
