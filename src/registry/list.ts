/**
 * --list and --tree, as Firejail prints them (`PID:USER:NAME:COMMAND`, the tree indented two spaces per
 * level), or as JSON for scripts (--json). PID is the sandbox's anchor on the host: bwrap's monitor, or
 * `timeout` with --timeout; --join, --shutdown and the print commands take it.
 */
import { lookupPasswd } from '../host/facts.ts';
import { childrenMap, commandLine, processIds, type ProcInfo } from './proc.ts';
import type { Sandbox } from './scan.ts';

export type OutputFormat = 'text' | 'json';

interface SandboxJson {
  readonly pid: number;
  /** The sandbox's pid 1 on the host; absent while it starts. */
  readonly pid1?: number;
  readonly uid: number;
  readonly user: string;
  /** Empty when the sandbox has no name. */
  readonly name: string;
  /** kiln's command line. */
  readonly command: readonly string[];
  /** The program and its arguments as the sandbox runs them. */
  readonly program: readonly string[];
  readonly profiles: readonly string[];
  readonly cwd: string;
  /** ISO 8601. */
  readonly started: string;
  /** Programs serving the sandbox from outside (the D-Bus proxy, a nested X server); absent when none. */
  readonly helpers?: readonly { readonly name: string; readonly pid: number; readonly display?: number }[];
}

interface ProcessJson {
  readonly pid: number;
  readonly uid: number | null;
  readonly user: string;
  readonly command: readonly string[];
  readonly children: readonly ProcessJson[];
}

function toJson(sb: Sandbox): SandboxJson {
  const e = sb.entry;
  return {
    pid: e.pid,
    ...(sb.pid1 !== undefined ? { pid1: sb.pid1 } : {}),
    uid: e.uid,
    user: sb.user,
    name: e.name,
    command: e.command,
    program: e.argv,
    profiles: e.profiles,
    cwd: e.cwd,
    started: new Date(e.started).toISOString(),
    ...(e.helpers !== undefined && e.helpers.length > 0 ? { helpers: e.helpers } : {}),
  };
}

function listLine(sb: Sandbox): string {
  return `${sb.entry.pid}:${sb.user}:${sb.entry.name}:${sb.entry.command.join(' ')}`;
}

export function formatList(sandboxes: readonly Sandbox[], format: OutputFormat): string {
  if (format === 'json') return `${JSON.stringify(sandboxes.map(toJson), null, 2)}\n`;
  return sandboxes.map((sb) => `${listLine(sb)}\n`).join('');
}

/** User names by uid, looked up once each. */
function userNames(): (uid: number | undefined) => string {
  const cache = new Map<number, string>();
  return (uid) => {
    if (uid === undefined) return '?';
    let name = cache.get(uid);
    if (name === undefined) {
      name = lookupPasswd(uid)?.name ?? String(uid);
      cache.set(uid, name);
    }
    return name;
  };
}

export function formatTree(sandboxes: readonly Sandbox[], table: ReadonlyMap<number, ProcInfo>, format: OutputFormat): string {
  const children = childrenMap(table);
  const nameOf = userNames();
  const node = (pid: number): ProcessJson => {
    const uid = processIds(pid)?.uid;
    return { pid, uid: uid ?? null, user: nameOf(uid), command: commandLine(pid), children: (children.get(pid) ?? []).map(node) };
  };
  const trees = sandboxes.map((sb) => ({ sb, root: node(sb.entry.pid) }));
  if (format === 'json') return `${JSON.stringify(trees.map(({ sb, root }) => ({ ...toJson(sb), processes: root })), null, 2)}\n`;
  const out: string[] = [];
  const walk = (p: ProcessJson, depth: number) => {
    out.push(`${'  '.repeat(depth)}${p.pid}:${p.user}::${p.command.join(' ')}`);
    for (const c of p.children) walk(c, depth + 1);
  };
  for (const { sb, root } of trees) {
    out.push(listLine(sb)); // the anchor, as --list shows it
    for (const c of root.children) walk(c, 1);
  }
  // Firejail ends the tree with an empty line.
  return out.length === 0 ? '' : `${out.join('\n')}\n\n`;
}
