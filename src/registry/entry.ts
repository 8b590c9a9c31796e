/**
 * The registry of running sandboxes: one JSON file per sandbox, named after the pid kiln had when it
 * started it (kiln execs into bwrap, so that pid is bwrap's monitor process, the sandbox's anchor on the
 * host). A file is written whole and renamed into place, so readers never see half an entry, and 100
 * sandboxes starting at once never contend for one file.
 *
 * An entry is live while a process with its pid and its start time exists; kiln removes dead entries
 * whenever it reads the registry, so an entry disappears even if its sandbox was killed with SIGKILL.
 */
import { assertNever } from '../errors.ts';
import type { JoinLimit } from '../launch/init-config.ts';
import type { AppArmorRequest, EnvChanges, LaunchPlan } from '../plan/types.ts';

export interface RegistryEntry {
  readonly version: 1;
  /** The host pid of the sandbox's anchor process (bwrap's monitor, or `timeout` when --timeout is set). */
  readonly pid: number;
  /** Field 22 of /proc/PID/stat when the entry was written: guards against pid reuse. */
  readonly startTime: string;
  readonly uid: number;
  readonly user: string;
  /** The sandbox name (`--name`); empty when none was given. */
  readonly name: string;
  /** kiln's own command line, as `--list` shows it. */
  readonly command: readonly string[];
  /** The program and its arguments. */
  readonly argv: readonly string[];
  readonly profiles: readonly string[];
  readonly cwd: string;
  /** Milliseconds since the epoch. */
  readonly started: number;
  /** What `--join` must re-apply: seccomp programs (base64), kept capabilities, and the protocol list. */
  readonly seccomp: readonly string[];
  readonly caps: readonly number[] | 'unchanged';
  readonly protocols?: readonly string[];
  // What `--join` re-applies besides the filters. Absent (a sandbox without them, or an entry written by a
  // kiln that did not record them): nothing to re-apply.
  /** Resource limits, nice value and CPU affinity, in the launch's order. */
  readonly limits?: readonly JoinLimit[];
  /** Abstract unix sockets scoped with Landlock (`x11 none`, `dbus-* none` without a network namespace). */
  readonly scopeAbstract?: true;
  /** The launch's environment changes: `rmenv` and cut-off sockets' variables unset, then `env` set. */
  readonly env?: EnvChanges;
  /** The AppArmor profile the launch's init stage asked for; a join asks for it the same way. */
  readonly apparmor?: AppArmorRequest;
  /** The filesystem steps of the launch, one line each (plan/fs-log.ts), for --fs.print. */
  readonly fs?: readonly string[];
  /**
   * The sandbox's network, for --net.print, --netfilter.print, --dns.print, --netstats and --bandwidth:
   * `user` (slirp4netns) or `root` (Firejail's interfaces), with the interfaces as planned (the addresses
   * the set-up stage chose are read from the namespace itself), the filters' sources and the DNS servers.
   * Absent: the host's network, `net none`, or a named namespace.
   */
  readonly network?: RegistryNetwork;
  /** Programs running beside the sandbox for it (the D-Bus proxy, a nested X server), for --list and --tree. */
  readonly helpers?: readonly { readonly name: string; readonly pid: number; readonly display?: number }[];
}

export interface RegistryNetwork {
  readonly mode: 'user' | 'root';
  /** Each interface: its name inside, and the host device it hangs off (`slirp4netns` in user mode). */
  readonly interfaces: readonly { readonly name: string; readonly device: string }[];
  readonly filter4?: string;
  readonly filter6?: string;
  readonly dns: readonly string[];
}

const IFNAME = /^[A-Za-z0-9._@:-]{1,15}$/;

function isNetwork(v: unknown): v is RegistryNetwork {
  if (typeof v !== 'object' || v === null) return false;
  const n = v as Record<string, unknown>;
  return (
    (n['mode'] === 'user' || n['mode'] === 'root') &&
    Array.isArray(n['interfaces']) && n['interfaces'].length <= 4 &&
    n['interfaces'].every((i: unknown) => {
      if (typeof i !== 'object' || i === null) return false;
      const f = i as Record<string, unknown>;
      return typeof f['name'] === 'string' && IFNAME.test(f['name']) && typeof f['device'] === 'string' && IFNAME.test(f['device']);
    }) &&
    (n['filter4'] === undefined || typeof n['filter4'] === 'string') &&
    (n['filter6'] === undefined || typeof n['filter6'] === 'string') &&
    isStrings(n['dns']) && (n['dns'] as string[]).length <= 3
  );
}

function isHelper(v: unknown): boolean {
  if (typeof v !== 'object' || v === null) return false;
  const h = v as Record<string, unknown>;
  return typeof h['name'] === 'string' && /^[A-Za-z0-9._-]{1,64}$/.test(h['name']) && isInt(h['pid'], 1, 2 ** 31) && (h['display'] === undefined || isInt(h['display'], 0, 65535));
}

const isStrings = (v: unknown): v is string[] => Array.isArray(v) && v.every((x) => typeof x === 'string');

const RLIM_INFINITY = (1n << 64n) - 1n;
/** The highest CPU number Linux can be built for (CONFIG_NR_CPUS); bounds the mask a join allocates. */
const MAX_CPU = 8191;
const isInt = (v: unknown, min: number, max: number): v is number => Number.isSafeInteger(v) && (v as number) >= min && (v as number) <= max;

function isLimit(v: unknown): v is JoinLimit {
  if (typeof v !== 'object' || v === null) return false;
  const l = v as Record<string, unknown>;
  switch (l['kind']) {
    case 'rlimit':
      return (
        typeof l['name'] === 'string' && /^rlimit-[a-z]+$/.test(l['name']) && isInt(l['resource'], 0, 15) &&
        typeof l['value'] === 'string' && /^\d{1,20}$/.test(l['value']) && BigInt(l['value']) <= RLIM_INFINITY
      );
    case 'nice':
      return isInt(l['value'], -20, 19);
    case 'cpu-affinity':
      return Array.isArray(l['cpus']) && l['cpus'].length > 0 && l['cpus'].every((c) => isInt(c, 0, MAX_CPU));
    default:
      return false;
  }
}

/**
 * NOTE: a join writes the name to the kernel as `stack NAME` or `exec NAME`; no whitespace or NUL may
 * turn it into anything else. As the user (root's join runs as the owner) it can only confine the joined
 * program, never free it.
 */
function isAppArmor(v: unknown): v is AppArmorRequest {
  if (typeof v !== 'object' || v === null) return false;
  const a = v as Record<string, unknown>;
  return typeof a['profile'] === 'string' && /^[^\s\0]{1,1024}$/.test(a['profile']) && (a['mode'] === 'stack' || a['mode'] === 'exec') && (a['ifNotLoaded'] === 'warn' || a['ifNotLoaded'] === 'fail');
}

/** An environment variable's name: what execve and a shell could carry (no `=`, no NUL). */
const isEnvName = (v: unknown): v is string => typeof v === 'string' && /^[^=\0]+$/.test(v);

function isEnvChanges(v: unknown): v is EnvChanges {
  if (typeof v !== 'object' || v === null) return false;
  const e = v as Record<string, unknown>;
  return (
    Array.isArray(e['unset']) && e['unset'].every(isEnvName) &&
    Array.isArray(e['set']) &&
    e['set'].every((p: unknown) => Array.isArray(p) && p.length === 2 && isEnvName(p[0]) && typeof p[1] === 'string' && !p[1].includes('\0'))
  );
}

/**
 * An entry, or undefined for a torn or foreign file. NOTE: root reads users' registries, so every field
 * is checked for its type: a malformed entry must not be able to break root's --list.
 */
export function parseEntry(text: string): RegistryEntry | undefined {
  let v: Partial<Record<keyof RegistryEntry, unknown>>;
  try {
    v = JSON.parse(text) as typeof v;
  } catch {
    return undefined;
  }
  if (typeof v !== 'object' || v === null) return undefined;
  const ok =
    v.version === 1 &&
    Number.isSafeInteger(v.pid) &&
    (v.pid as number) > 0 &&
    typeof v.startTime === 'string' &&
    Number.isSafeInteger(v.uid) &&
    typeof v.user === 'string' &&
    typeof v.name === 'string' &&
    isStrings(v.command) &&
    isStrings(v.argv) &&
    isStrings(v.profiles) &&
    typeof v.cwd === 'string' &&
    typeof v.started === 'number' &&
    isStrings(v.seccomp) &&
    (v.caps === 'unchanged' || (Array.isArray(v.caps) && v.caps.every((c) => Number.isInteger(c) && c >= 0 && c < 64))) &&
    (v.protocols === undefined || isStrings(v.protocols)) &&
    // NOTE: a user's entry is read by root, whose join of that sandbox runs as the user from the start
    // (setpriv): a forged limit or variable can reach only the user's own process, and the kernel refuses
    // a limit or nice value beyond what the user may set.
    (v.limits === undefined || (Array.isArray(v.limits) && v.limits.length <= 16 && v.limits.every(isLimit))) &&
    (v.scopeAbstract === undefined || v.scopeAbstract === true) &&
    (v.env === undefined || isEnvChanges(v.env)) &&
    (v.apparmor === undefined || isAppArmor(v.apparmor)) &&
    (v.fs === undefined || (isStrings(v.fs) && v.fs.length <= 100_000)) &&
    (v.network === undefined || isNetwork(v.network)) &&
    (v.helpers === undefined || (Array.isArray(v.helpers) && v.helpers.length <= 8 && v.helpers.every(isHelper)));
  return ok ? (v as RegistryEntry) : undefined;
}

/** The fields a join re-applies, from the launch plan: what launch.ts spreads into the entry. */
export function joinFields(plan: Pick<LaunchPlan, 'preExec' | 'envChanges' | 'init'>): Pick<RegistryEntry, 'limits' | 'scopeAbstract' | 'env' | 'apparmor'> {
  // A launch's resource limits are set by its init stage, just before the program starts.
  const limits: JoinLimit[] = (plan.init?.rlimits ?? []).map((l) => ({ kind: 'rlimit', name: l.name, resource: l.resource, value: l.value.toString() }));
  let scopeAbstract = false;
  for (const step of plan.preExec) {
    switch (step.kind) {
      case 'rlimit':
        limits.push({ kind: 'rlimit', name: step.name, resource: step.resource, value: step.value.toString() });
        break;
      case 'nice':
        limits.push({ kind: 'nice', value: step.value });
        break;
      case 'cpu-affinity':
        limits.push({ kind: 'cpu-affinity', cpus: [...step.cpus] });
        break;
      case 'landlock-scope-abstract':
        scopeAbstract = true;
        break;
      case 'oom-score-adj': // --oom: not re-applied by a join, as Firejail's join does not (docs/manage.md)
      case 'cap-bounding': // recorded as `caps`
      case 'drop-groups': // root's nogroups: not re-applied (see docs/manage.md)
      case 'setns-net': // a join enters the sandbox's namespaces, its network namespace included
        break;
      default:
        assertNever(step);
    }
  }
  const { unset, set } = plan.envChanges;
  return {
    ...(limits.length > 0 ? { limits } : {}),
    ...(scopeAbstract ? { scopeAbstract: true as const } : {}),
    ...(unset.length > 0 || set.length > 0 ? { env: { unset: [...unset], set: set.map(([k, v]) => [k, v] as const) } } : {}),
    ...(plan.init?.apparmor !== undefined ? { apparmor: plan.init.apparmor } : {}),
  };
}

/**
 * The capabilities the sandbox's programs hold, by number. 'unchanged' means bwrap's default: root keeps
 * every capability, and any other user (in a user namespace) none.
 */
export function keptCaps(entry: RegistryEntry, lastCap: number): number[] {
  if (entry.caps !== 'unchanged') return [...entry.caps];
  return entry.uid === 0 ? Array.from({ length: lastCap + 1 }, (_, i) => i) : [];
}
