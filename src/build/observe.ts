/**
 * What one traced run of a program used, from strace's full output (every call): the syscalls, the
 * paths it reached (and how), what it ran, the socket families it opened and where it connected. Only
 * the program's calls count (trace/scope.ts), not kiln's stages before it.
 */
import type { PathRole } from '../trace/events.ts';
import { ProgramCalls } from '../trace/calls.ts';

/** What a call did to a path: a PathRole, opened for reading, or run. */
export type UseRole = PathRole | 'exec' | 'open';

export interface PathUse {
  /** Read, written, created, removed or run, successfully. */
  readonly roles: Set<UseRole>;
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
  const obs: Observed = { syscalls: new Set(), paths: new Map(), execs: [], families: new Set(), unixPeers: new Set(), skipped: 0, started: false };
  const use = (path: string, role: UseRole) => {
    const u = obs.paths.get(path) ?? { roles: new Set() };
    u.roles.add(role);
    obs.paths.set(path, u);
  };
  const calls = new ProgramCalls(cwd, (call, events) => {
    obs.syscalls.add(call.name);
    for (const e of events) {
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
  calls.push(text);
  calls.end();
  return { ...obs, skipped: calls.skipped, started: calls.started };
}
