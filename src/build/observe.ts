/**
 * What one traced run of a program used, from strace's full output (every call): the syscalls, the
 * paths it reached (and how), what it ran, the socket families it opened and where it connected. Only
 * the program's calls count (trace/scope.ts), not kiln's stages before it.
 */
import { Cwds, eventsOf, type PathRole } from '../trace/events.ts';
import { LineSplitter } from '../trace/relay.ts';
import { ProgramScope } from '../trace/scope.ts';
import { StraceReader } from '../trace/strace-line.ts';

export interface PathUse {
  /** Read, written, created, removed or run, successfully. */
  readonly roles: Set<PathRole | 'exec' | 'open'>;
}

export interface Observed {
  /** The syscalls the program made, by name (x86_64 names, as strace prints them). */
  readonly syscalls: Set<string>;
  /** Every path a call reached successfully, or made: the argument as given (made absolute). */
  readonly paths: Map<string, PathUse>;
  /** The programs it ran (successful execs), in order, as named. */
  readonly execs: string[];
  /** Socket families of the sockets it opened successfully (`AF_INET`). */
  readonly families: Set<string>;
  /** The filesystem sockets it connected to (AF_UNIX paths), and the abstract ones (`@name`). */
  readonly unixPeers: Set<string>;
  /** Lines strace printed that the reader did not understand (0 when all went well). */
  readonly skipped: number;
  /** Whether the program's start was seen at all. */
  readonly started: boolean;
}

const WRITE_FLAGS = /O_WRONLY|O_RDWR|O_CREAT|O_TRUNC|O_APPEND/;

export function observe(text: string, cwd: string): Observed {
  const reader = new StraceReader();
  const scope = new ProgramScope();
  const cwds = new Cwds(cwd);
  const obs: Observed = { syscalls: new Set(), paths: new Map(), execs: [], families: new Set(), unixPeers: new Set(), skipped: 0, started: false };
  const use = (path: string, role: PathUse['roles'] extends Set<infer R> ? R : never) => {
    const u = obs.paths.get(path) ?? { roles: new Set() };
    u.roles.add(role);
    obs.paths.set(path, u);
  };
  const splitter = new LineSplitter((raw) => {
    const call = reader.push(raw);
    if (call === undefined || !scope.classify(call)) return;
    obs.syscalls.add(call.name);
    for (const e of eventsOf(call, cwds)) {
      switch (e.kind) {
        case 'exec':
          if (e.ok) {
            obs.execs.push(e.path);
            use(e.path, 'exec');
          }
          break;
        case 'open':
          if (e.ok) {
            use(e.path, WRITE_FLAGS.test(e.flags) ? (e.flags.includes('O_CREAT') ? 'create' : 'write') : 'open');
            if (e.resolved !== undefined && e.resolved !== e.path) use(e.resolved, 'open');
          }
          break;
        case 'path':
          if (e.ok) use(e.path, e.role);
          break;
        case 'socket':
          if (e.ok) obs.families.add(e.family);
          break;
        case 'connect':
          if (e.unixPath !== undefined) obs.unixPeers.add(e.unixPath);
          else if (e.address.startsWith('@')) obs.unixPeers.add(e.address);
          break;
        case 'bind':
          break;
      }
    }
  });
  splitter.push(text);
  splitter.end();
  return { ...obs, skipped: reader.skipped, started: scope.programPid !== undefined };
}
