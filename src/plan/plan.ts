/**
 * Policy + HostFacts → LaunchPlan. Pure: no file system access except through `facts.fs` (a read-only,
 * cacheable view), no clock, no environment reads, so a profile → plan golden test needs no sandbox.
 */
import type { Policy } from '../policy/policy.ts';
import type { HostFacts } from '../host/facts.ts';
import { bwrapCapName, keptCapabilities } from './caps.ts';
import { planFilesystem } from './filesystem.ts';
import { planLimits } from './limits.ts';
import { compileSeccomp } from './seccomp.ts';
import { applyEnvChanges } from './env.ts';
import type { EnvChanges, InitPlan, LaunchPlan, Namespace, PreExecStep } from './types.ts';

export interface LaunchRequest {
  /** The program and its arguments; argv[0] is an absolute path on the host. */
  readonly argv: readonly string[];
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

const CAP_DAC_OVERRIDE = 1;
const CAP_DAC_READ_SEARCH = 2;
const CAP_SETPCAP = 8;
const CAP_SYS_ADMIN = 21;

interface CapsPlan {
  readonly drop: string[];
  readonly add: string[];
  readonly preExec: PreExecStep[];
  /** What the program finally keeps, when something must be dropped. */
  readonly keep: number[] | undefined;
}

/**
 * Capabilities. bwrap drops them from the process sets; for root, kiln narrows the bounding set before
 * exec (see plan/caps.ts). When the init stage runs, bwrap must leave it CAP_SYS_ADMIN (for its mounts)
 * and CAP_SETPCAP (to empty the bounding set afterwards); the init then drops to `keep`.
 */
function planCapabilities(policy: Policy, facts: HostFacts, withInit: boolean): CapsPlan {
  // The init stage walks into directories the profile made mode 0000 to remount what is beneath them.
  const initCaps = withInit ? [CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH, CAP_SETPCAP, CAP_SYS_ADMIN] : [];
  if (!facts.isRoot) {
    // Unprivileged: no capabilities on the host whatever happens; inside the user namespace bwrap keeps
    // none unless asked, and empties the bounding set.
    return { drop: [], add: initCaps.map(bwrapCapName), preExec: [], keep: withInit ? [] : undefined };
  }
  const wanted = keptCapabilities(policy.caps, facts.capLastCap);
  if (wanted === undefined && !withInit) return { drop: [], add: [], preExec: [], keep: undefined };
  const all = Array.from({ length: facts.capLastCap + 1 }, (_, i) => i);
  // NOTE: asking bwrap to keep a capability kiln itself lacks makes bwrap's capset fail, and bwrap then
  // leaves the sandbox with every capability it had. Only ever ask for what we hold.
  const held = (c: number) => ((facts.capPermitted >> BigInt(c)) & 1n) === 1n;
  const keep = (wanted ?? all).filter(held);
  const forBwrap = [...new Set([...keep, ...initCaps])].filter(held).sort((a, b) => a - b);
  return {
    drop: ['ALL'],
    add: forBwrap.map(bwrapCapName),
    preExec: [{ kind: 'cap-bounding', keep: forBwrap, lastCap: facts.capLastCap }],
    keep,
  };
}

/** What the policy asks that this host or caller cannot give, said once per launch. */
function planWarnings(policy: Policy, facts: HostFacts): string[] {
  const w: string[] = [];
  if (policy.noroot && facts.isRoot) w.push('noroot option is not available when running as root');
  if (policy.nogroups && !facts.isRoot) {
    w.push('nogroups: an unprivileged user namespace cannot drop supplementary groups (they show as nogroup but still grant access)');
  }
  return w;
}

export function planLaunch(policy: Policy, facts: HostFacts, request: LaunchRequest): LaunchPlan {
  const fs = planFilesystem(policy, facts, request.argv[0]);
  const withInit = fs.initSteps.length > 0;
  const envChanges: EnvChanges = { unset: [...policy.rmenv, ...fs.sockets.unsetEnv], set: policy.env };
  const caps = planCapabilities(policy, facts, withInit);
  // NOTE: bwrap loads its filter before exec'ing the init stage, whose mount calls the filter would
  // refuse; so when the init stage runs, it loads the filter itself, last.
  const filter = compileSeccomp(policy.seccomp, facts.arch, withInit ? 'init' : 'bwrap');
  const blobs = [...fs.blobs];
  const seccompBlobs = withInit ? [] : filter.programs.map((p) => blobs.push(p) - 1);
  const init: InitPlan | undefined = withInit
    ? { steps: fs.initSteps, keepCaps: caps.keep ?? [], lastCap: facts.capLastCap, seccomp: filter.programs }
    : undefined;
  return {
    bwrapPath: facts.bwrap.path,
    namespaces: planNamespaces(policy, facts),
    mounts: fs.mounts,
    ...(policy.hostname !== undefined ? { hostname: policy.hostname } : {}),
    capDrop: caps.drop,
    capAdd: caps.add,
    chdir: policy.privateCwd?.kind === 'dir' ? policy.privateCwd.dir : policy.privateCwd?.kind === 'home' ? facts.home : fs.cwd,
    env: applyEnvChanges(facts.env, envChanges),
    envChanges,
    argv: request.argv,
    dieWithParent: true,
    newSession: false,
    blobs,
    copies: fs.copies,
    seccomp: seccompBlobs,
    // Limits first: the bounding-set step gives up CAP_SYS_RESOURCE, which raising a limit needs.
    preExec: [
      ...planLimits(policy),
      ...caps.preExec,
      ...(fs.sockets.scopeAbstract ? [{ kind: 'landlock-scope-abstract' } as const] : []),
      ...(policy.nogroups && facts.isRoot ? [{ kind: 'drop-groups' } as const] : []),
    ],
    warnings: planWarnings(policy, facts),
    ...(policy.timeoutSeconds !== undefined ? { timeoutSeconds: policy.timeoutSeconds } : {}),
    ...(init !== undefined ? { init } : {}),
    missing: fs.missing,
    fsReport: fs.report,
  };
}
