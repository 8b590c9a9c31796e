/**
 * --bandwidth=NAME|PID set IFACE DOWN UP | clear IFACE | status: traffic shaping of a running sandbox's
 * interface with iproute2's tc, inside the sandbox's network namespace (so the sandbox's own interface,
 * which is all that the sandbox's traffic crosses, whatever its kind: veth, macvlan or slirp4netns' tap).
 *
 * - upload (the interface's egress): a tbf qdisc at its root.
 * - download (its ingress): an ingress qdisc whose filter redirects every packet (u32 match-all, action
 *   mirred) to an ifb device made in the namespace for it, with a tbf qdisc at the ifb's root. NOTE: the
 *   `police` action would need no ifb, but kernels built without CONFIG_NET_ACT_POLICE lack it; ifb and
 *   mirred are what this shaper needs.
 *
 * Speeds are KB/s as Firejail's: 1 KB = 1000 bytes (tc's `kbps`).
 */
import { assertNever, HostError, UsageError } from '../errors.ts';
import type { Sandbox } from '../registry/scan.ts';
import { labelOf, mustRunInNet, openSandboxNet, type NetNamespace } from './inspect.ts';
import { systemTool } from '../host/tools.ts';

export type BandwidthCommand =
  | { readonly op: 'set'; readonly iface: string; readonly down: number; readonly up: number }
  | { readonly op: 'clear'; readonly iface: string }
  | { readonly op: 'status' };

const USAGE = 'set IFACE DOWNLOAD UPLOAD | clear IFACE | status (speeds in KB/s)';
/** The highest speed accepted, in KB/s (10 GB/s): tc's 32-bit rates overflow not far above. */
const MAX_SPEED = 10_000_000;

/** The words after --bandwidth=NAME|PID. */
export function parseBandwidth(option: string, words: readonly string[]): BandwidthCommand {
  const speed = (w: string | undefined, what: string): number => {
    if (w === undefined || !/^\d+$/.test(w) || Number(w) < 1 || Number(w) > MAX_SPEED) {
      throw new UsageError(`${option}: the ${what} speed must be a whole number of KB/s from 1 to ${MAX_SPEED} (got '${w ?? ''}')`);
    }
    return Number(w);
  };
  const [op, iface, down, up] = words;
  if (op === 'set' && words.length === 4 && iface !== undefined) return { op, iface, down: speed(down, 'download'), up: speed(up, 'upload') };
  if (op === 'clear' && words.length === 2 && iface !== undefined) return { op, iface };
  if (op === 'status' && words.length === 1) return { op };
  throw new UsageError(`${option} needs ${USAGE}: kiln ${option}=NAME|PID ${USAGE.split(' | ')[0]}`);
}

interface Iface {
  readonly name: string;
  readonly device: string;
  /** The ifb device that carries its download shaping. */
  readonly ifb: string;
}

/** The sandbox's interfaces, as recorded at launch, each with its ifb's name (unique in the namespace). */
function interfaces(sb: Sandbox): Iface[] {
  return (sb.entry.network?.interfaces ?? []).map((i, n) => ({ name: i.name, device: i.device, ifb: `kiln-ifb${n}` }));
}

/** IFACE as Firejail takes it (the device given to --net), or the interface's name inside. */
function findIface(sb: Sandbox, option: string, iface: string): Iface {
  const all = interfaces(sb);
  const hit = all.find((i) => i.name === iface) ?? all.find((i) => i.device === iface);
  if (hit !== undefined) return hit;
  const known = all.map((i) => (i.device === i.name ? i.name : `${i.device} (${i.name} inside)`)).join(', ');
  throw new UsageError(`${labelOf(option, sb)}: the sandbox has no interface ${iface}; it has ${known}`);
}

interface Qdisc {
  readonly kind?: string;
  readonly dev?: string;
  readonly root?: boolean;
  readonly handle?: string;
  readonly options?: { readonly rate?: number };
}

interface Tools {
  readonly ip: string;
  readonly tc: string;
}

async function qdiscs(ns: NetNamespace, tools: Tools, what: string): Promise<Qdisc[]> {
  const out = await mustRunInNet(ns, [tools.tc, '-j', 'qdisc', 'show'], what);
  return JSON.parse(out.trim() === '' ? '[]' : out) as Qdisc[];
}

async function links(ns: NetNamespace, tools: Tools, what: string): Promise<{ ifname: string; mtu?: number }[]> {
  const out = await mustRunInNet(ns, [tools.ip, '-j', 'link', 'show'], what);
  return JSON.parse(out.trim() === '' ? '[]' : out) as { ifname: string; mtu?: number }[];
}

/** The tbf bucket: at least two of the largest packets the interface passes, and a tenth of a second's worth. */
const burst = (kbps: number, mtu: number): number => Math.max(2 * mtu, 16_384, Math.ceil((kbps * 1000) / 10));

async function setLimits(ns: NetNamespace, tools: Tools, i: Iface, down: number, up: number, what: string): Promise<void> {
  const present = await links(ns, tools, what);
  const mtu = present.find((l) => l.ifname === i.name)?.mtu;
  if (mtu === undefined) throw new HostError(`${what}: the interface ${i.name} is not in the sandbox`);
  if (!present.some((l) => l.ifname === i.ifb)) {
    await mustRunInNet(ns, [tools.ip, 'link', 'add', i.ifb, 'type', 'ifb'], `${what}: making ${i.ifb} for download shaping (needs a kernel with ifb)`);
  }
  await mustRunInNet(ns, [tools.ip, 'link', 'set', i.ifb, 'mtu', String(mtu), 'up'], what);
  // Any earlier ingress redirect goes first, so that a new `set` replaces, never adds.
  if ((await qdiscs(ns, tools, what)).some((q) => q.dev === i.name && q.kind === 'ingress')) {
    await mustRunInNet(ns, [tools.tc, 'qdisc', 'del', 'dev', i.name, 'ingress'], what);
  }
  const tbf = (kbps: number) => ['tbf', 'rate', `${kbps}kbps`, 'burst', String(burst(kbps, mtu)), 'latency', '50ms'];
  const batch = [
    ['qdisc', 'replace', 'dev', i.name, 'root', ...tbf(up)],
    ['qdisc', 'replace', 'dev', i.ifb, 'root', ...tbf(down)],
    ['qdisc', 'add', 'dev', i.name, 'handle', 'ffff:', 'ingress'],
    ['filter', 'add', 'dev', i.name, 'parent', 'ffff:', 'protocol', 'all', 'prio', '1', 'u32', 'match', 'u32', '0', '0', 'action', 'mirred', 'egress', 'redirect', 'dev', i.ifb],
  ];
  await mustRunInNet(ns, [tools.tc, '-batch', '-'], what, batch.map((c) => `${c.join(' ')}\n`).join(''));
}

async function clearLimits(ns: NetNamespace, tools: Tools, i: Iface, what: string): Promise<boolean> {
  const qs = await qdiscs(ns, tools, what);
  let cleared = false;
  // Only a tbf at the root is kiln's; another qdisc there was put by someone else and stays.
  if (qs.some((q) => q.dev === i.name && q.root === true && q.kind === 'tbf')) {
    await mustRunInNet(ns, [tools.tc, 'qdisc', 'del', 'dev', i.name, 'root'], what);
    cleared = true;
  }
  if (qs.some((q) => q.dev === i.name && q.kind === 'ingress')) {
    await mustRunInNet(ns, [tools.tc, 'qdisc', 'del', 'dev', i.name, 'ingress'], what);
    cleared = true;
  }
  if ((await links(ns, tools, what)).some((l) => l.ifname === i.ifb)) {
    await mustRunInNet(ns, [tools.ip, 'link', 'del', i.ifb], what);
    cleared = true;
  }
  return cleared;
}

/** KB/s from tc's bytes per second. */
const kb = (rate: number | undefined): string => (rate === undefined ? '?' : String(Math.round(rate / 1000)));

function statusLines(sb: Sandbox, qs: readonly Qdisc[]): string {
  return interfaces(sb)
    .map((i) => {
      const up = qs.find((q) => q.dev === i.name && q.root === true && q.kind === 'tbf');
      const down = qs.find((q) => q.dev === i.ifb && q.root === true && q.kind === 'tbf');
      const redirected = qs.some((q) => q.dev === i.name && q.kind === 'ingress');
      const where = i.device === i.name ? i.name : `${i.name} (${i.device})`;
      if (up === undefined && (down === undefined || !redirected)) return `${where}: no limits\n`;
      const parts = [
        `download ${down !== undefined && redirected ? `${kb(down.options?.rate)} KB/s` : 'unlimited'}`,
        `upload ${up !== undefined ? `${kb(up.options?.rate)} KB/s` : 'unlimited'}`,
      ];
      return `${where}: ${parts.join(', ')}\n`;
    })
    .join('');
}

export interface BandwidthOutput {
  readonly stdout: string;
  readonly note?: string;
}

export async function runBandwidth(sb: Sandbox, option: string, callerUid: number, cmd: BandwidthCommand): Promise<BandwidthOutput> {
  const label = labelOf(option, sb);
  const tools: Tools = { ip: systemTool('ip', 'iproute2', option), tc: systemTool('tc', 'iproute2', option) };
  const ns = openSandboxNet(sb, option, callerUid);
  try {
    switch (cmd.op) {
      case 'set': {
        const i = findIface(sb, option, cmd.iface);
        await setLimits(ns, tools, i, cmd.down, cmd.up, `${label}: shaping ${i.name}`);
        return { stdout: '', note: `${label}: ${i.name}: download ${cmd.down} KB/s, upload ${cmd.up} KB/s` };
      }
      case 'clear': {
        const i = findIface(sb, option, cmd.iface);
        const cleared = await clearLimits(ns, tools, i, `${label}: clearing ${i.name}`);
        return { stdout: '', note: `${label}: ${i.name}: ${cleared ? 'limits removed' : 'had no limits'}` };
      }
      case 'status':
        return { stdout: statusLines(sb, await qdiscs(ns, tools, `${label}: reading the shaping`)) };
      default:
        return assertNever(cmd);
    }
  } finally {
    ns.close();
  }
}
