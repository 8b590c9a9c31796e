/**
 * --net.print, --netfilter.print, --netfilter6.print, --dns.print and --netstats for running sandboxes.
 * Everything is read live from the sandbox's network namespace (or its /proc), not from what the launch
 * planned: the addresses the set-up stage chose, and any change made inside since, show as they are.
 */
import { HostError } from '../errors.ts';
import { childrenMap, commandLine, readText, type ProcInfo } from '../registry/proc.ts';
import type { Sandbox } from '../registry/scan.ts';
import { labelOf, mustRunInNet, openSandboxNet, type NetNamespace } from './inspect.ts';
import { systemTool } from '../host/tools.ts';

export interface NetPrintOutput {
  readonly stdout: string;
  /** A remark for stderr (informational). */
  readonly note?: string;
}

interface IpAddr {
  readonly ifname?: string;
  readonly address?: string;
  readonly flags?: readonly string[];
  readonly addr_info?: readonly { readonly family?: string; readonly local?: string; readonly prefixlen?: number }[];
}

function prefixToMask(prefix: number): string {
  const n = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
  return [24, 16, 8, 0].map((s) => (n >>> s) & 255).join('.');
}

/** Columns padded to their widest cell, as Firejail's table reads. */
function table(rows: readonly (readonly string[])[]): string {
  const widths: number[] = [];
  for (const r of rows) r.forEach((c, i) => (widths[i] = Math.max(widths[i] ?? 0, c.length)));
  return rows.map((r) => `${r.map((c, i) => (i === r.length - 1 ? c : c.padEnd((widths[i] ?? 0) + 2))).join('').trimEnd()}\n`).join('');
}

/** Interface, MAC, IPv4 address, mask, state: one row per IPv4 address (or one without, per interface). */
export function formatInterfaces(json: string): string {
  const links = JSON.parse(json === '' ? '[]' : json) as IpAddr[];
  const rows: string[][] = [['Interface', 'MAC', 'IP', 'Mask', 'Status']];
  for (const l of links) {
    const name = l.ifname ?? '?';
    // Loopback's all-zero address is no MAC; Firejail leaves the column empty there too.
    const mac = l.address === undefined || l.address === '00:00:00:00:00:00' ? '' : l.address;
    const status = l.flags?.includes('UP') === true ? 'UP' : 'DOWN';
    const v4 = (l.addr_info ?? []).filter((a) => a.family === 'inet' && a.local !== undefined);
    if (v4.length === 0) rows.push([name, mac, '', '', status]);
    for (const a of v4) rows.push([name, mac, a.local ?? '', a.prefixlen === undefined ? '' : prefixToMask(a.prefixlen), status]);
  }
  return table(rows);
}

async function withNet<T>(sb: Sandbox, option: string, callerUid: number, f: (ns: NetNamespace) => Promise<T>): Promise<T> {
  const ns = openSandboxNet(sb, option, callerUid);
  try {
    return await f(ns);
  } finally {
    ns.close();
  }
}

export async function printNet(sb: Sandbox, option: string, callerUid: number): Promise<NetPrintOutput> {
  const ip = systemTool('ip', 'iproute2', option);
  return withNet(sb, option, callerUid, async (ns) => {
    const out = await mustRunInNet(ns, [ip, '-j', 'addr', 'show'], `${labelOf(option, sb)}: reading the interfaces`);
    return { stdout: formatInterfaces(out) };
  });
}

/** The rules loaded in the namespace, as iptables-save (ip6tables-save) prints them. */
export async function printFilter(sb: Sandbox, option: string, callerUid: number, family: 4 | 6): Promise<NetPrintOutput> {
  const tool = systemTool(family === 4 ? 'iptables-save' : 'ip6tables-save', 'iptables', option);
  const source = family === 4 ? sb.entry.network?.filter4 : sb.entry.network?.filter6;
  return withNet(sb, option, callerUid, async (ns) => {
    const out = await mustRunInNet(ns, [tool], `${labelOf(option, sb)}: reading the rules`);
    const note = source !== undefined ? `${labelOf(option, sb)}: loaded at launch from ${source}` : `${labelOf(option, sb)}: no ${family === 4 ? 'netfilter' : 'netfilter6'} was given at launch`;
    return { stdout: out, note };
  });
}

/** The sandbox's program: the oldest child of its pid 1 (the program, or the shell running it), else pid 1. */
function sandboxProcess(sb: Sandbox, table: ReadonlyMap<number, ProcInfo>): number | undefined {
  if (sb.pid1 === undefined) return undefined;
  const children = childrenMap(table).get(sb.pid1) ?? [];
  return children.length > 0 ? Math.min(...children) : sb.pid1;
}

/**
 * The nameservers the sandbox's resolv.conf names, read through /proc/PID/root of its program: what the
 * program sees, whatever made it so. When it cannot be read, the DNS servers the launch recorded.
 */
export function printDns(sb: Sandbox, option: string, table: ReadonlyMap<number, ProcInfo>): NetPrintOutput {
  const label = labelOf(option, sb);
  const pid = sandboxProcess(sb, table);
  const text = pid === undefined ? undefined : readText(`/proc/${pid}/root/etc/resolv.conf`);
  if (text !== undefined) {
    const servers = text.split('\n').map((l) => /^\s*nameserver\s+(\S+)/.exec(l)?.[1]).filter((s) => s !== undefined);
    if (servers.length === 0) return { stdout: '', note: `${label}: the sandbox's /etc/resolv.conf names no nameserver` };
    return { stdout: servers.map((s) => `nameserver ${s}\n`).join('') };
  }
  const recorded = sb.entry.network?.dns ?? [];
  if (recorded.length > 0) {
    return { stdout: recorded.map((s) => `nameserver ${s}\n`).join(''), note: `${label}: the sandbox's /etc/resolv.conf cannot be read; these are the servers it was started with` };
  }
  throw new HostError(`${label}: the sandbox's /etc/resolv.conf cannot be read (process ${pid ?? '?'})`);
}

interface DevCounters {
  readonly name: string;
  readonly rx: bigint;
  readonly tx: bigint;
}

/** /proc/PID/net/dev: received bytes are the first counter after the name, sent bytes the ninth. */
export function parseNetDev(text: string): DevCounters[] {
  const out: DevCounters[] = [];
  for (const line of text.split('\n').slice(2)) {
    const colon = line.indexOf(':');
    if (colon < 0) continue;
    const name = line.slice(0, colon).trim();
    const f = line.slice(colon + 1).trim().split(/\s+/);
    if (f.length < 9 || !/^\d+$/.test(f[0] ?? '') || !/^\d+$/.test(f[8] ?? '')) continue;
    out.push({ name, rx: BigInt(f[0] ?? '0'), tx: BigInt(f[8] ?? '0') });
  }
  return out;
}

/**
 * One table of every visible sandbox with a network namespace of its own: bytes received and sent per
 * interface (loopback left out), since the interface was made. Firejail's --netstats refreshes rates
 * every second; this prints the counters once.
 */
export function printNetstats(sandboxes: readonly Sandbox[]): NetPrintOutput {
  const rows: string[][] = [['PID', 'User', 'Interface', 'RX(bytes)', 'TX(bytes)', 'Command']];
  for (const sb of sandboxes) {
    if (sb.entry.network === undefined || sb.pid1 === undefined) continue;
    const dev = readText(`/proc/${sb.pid1}/net/dev`);
    if (dev === undefined) continue;
    const command = (sb.entry.command.length > 0 ? sb.entry.command : commandLine(sb.entry.pid)).join(' ');
    for (const d of parseNetDev(dev)) {
      if (d.name === 'lo') continue;
      rows.push([String(sb.entry.pid), sb.user, d.name, d.rx.toString(), d.tx.toString(), command]);
    }
  }
  if (rows.length === 1) return { stdout: '', note: 'no running sandbox you can see has a network namespace of its own (--net=DEVICE)' };
  return { stdout: table(rows) };
}

