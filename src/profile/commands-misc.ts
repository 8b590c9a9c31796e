/** Environment, identity, resources and lifetime. */
import type { ArgSpec, ArgTable } from './argspec.ts';
import { quote } from './diagnostics.ts';
import type { RlimitCommand } from './directive.ts';
import {
  ArgumentError,
  parseEnvName,
  parseHostname,
  parseInteger,
  parseNumberList,
  parseRlimit,
  parseSandboxName,
  parseTimeout,
} from './values.ts';

type MiscCommand =
  | 'env'
  | 'rmenv'
  | 'shell'
  | 'hostname'
  | 'name'
  | 'join-or-start'
  | 'cpu'
  | 'nice'
  | RlimitCommand
  | 'timeout'
  | 'keep-fd';

function rlimit<K extends RlimitCommand>(kind: K, sized: boolean): ArgSpec<K> {
  return { arg: 'required', parse: (arg) => ({ kind, limit: parseRlimit(arg, sized) }) as const };
}

// CPU_SETSIZE in glibc; affinity masks cannot name CPUs beyond it.
const MAX_CPU = 1023;
// The largest fd number Linux allows by default (fs.nr_open is 1048576).
const MAX_FD = 1048575;

export const MISC_COMMANDS: ArgTable<MiscCommand> = {
  env: {
    arg: 'required',
    parse: (arg) => {
      const eq = arg.indexOf('=');
      if (eq < 0) throw new ArgumentError(`expected NAME=VALUE (got ${quote(arg)})`);
      return { kind: 'env', name: parseEnvName(arg.slice(0, eq)), value: arg.slice(eq + 1) };
    },
  },
  rmenv: { arg: 'required', parse: (arg) => ({ kind: 'rmenv', name: parseEnvName(arg) }) },
  shell: {
    arg: 'required',
    parse: (arg) => {
      // NOTE: Firejail 0.9.72 removed `shell PATH`; only `shell none` remains valid.
      if (arg !== 'none') throw new ArgumentError(`only 'shell none' is supported (got ${quote(arg)})`);
      return { kind: 'shell', value: 'none' };
    },
  },
  hostname: { arg: 'required', parse: (arg) => ({ kind: 'hostname', value: parseHostname(arg) }) },
  name: { arg: 'required', parse: (arg) => ({ kind: 'name', value: parseSandboxName(arg) }) },
  'join-or-start': { arg: 'required', parse: (arg) => ({ kind: 'join-or-start', value: parseSandboxName(arg) }) },
  cpu: { arg: 'required', parse: (arg) => ({ kind: 'cpu', cpus: parseNumberList(arg, 'CPU number', MAX_CPU) }) },
  nice: { arg: 'required', parse: (arg) => ({ kind: 'nice', nice: parseInteger(arg, 'nice value', -20, 19) }) },
  'rlimit-as': rlimit('rlimit-as', true),
  'rlimit-cpu': rlimit('rlimit-cpu', false),
  'rlimit-fsize': rlimit('rlimit-fsize', true),
  'rlimit-nofile': rlimit('rlimit-nofile', false),
  'rlimit-nproc': rlimit('rlimit-nproc', false),
  'rlimit-sigpending': rlimit('rlimit-sigpending', false),
  timeout: { arg: 'required', parse: (arg) => ({ kind: 'timeout', seconds: parseTimeout(arg) }) },
  'keep-fd': {
    arg: 'required',
    parse: (arg) => ({ kind: 'keep-fd', fds: arg === 'all' ? 'all' : parseNumberList(arg, 'file descriptor', MAX_FD) }),
  },
};
