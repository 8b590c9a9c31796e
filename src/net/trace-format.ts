/**
 * What the network monitors print, from tcpdump's text lines (`tcpdump -n -l -t -i any`, which begin with
 * the interface and the direction: `eth0  Out IP 10.0.2.100.40000 > 10.91.0.1.80: …`). Pure: trace.ts
 * runs tcpdump and feeds the lines in. Firejail's formats where they fit (docs/manage.md, "Network
 * monitors"); every line starts with the local time, HH:MM:SS.
 */

export type TraceKind = 'net' | 'dns' | 'icmp' | 'sni';

export interface DumpLine {
  readonly iface: string;
  /** In, Out, or tcpdump's other packet types (B, M, P). */
  readonly direction: string;
  readonly family: 'IP' | 'IP6';
  /** Address and, for TCP and UDP, `.port`, as tcpdump writes them. */
  readonly src: string;
  readonly dst: string;
  readonly rest: string;
}

const LINE = /^(\S+)\s+(\S+)\s+(IP6?) (\S+) > (\S+?): (.*)$/;

export function parseDumpLine(line: string): DumpLine | undefined {
  const m = LINE.exec(line);
  if (m === null) return undefined;
  const [, iface = '', direction = '', family, src = '', dst = '', rest = ''] = m;
  return { iface, direction, family: family === 'IP6' ? 'IP6' : 'IP', src, dst, rest };
}

/** `10.0.2.100.40000` → `10.0.2.100:40000`; `fd00::1.443` → `[fd00::1]:443`. */
export function hostPort(s: string, family: 'IP' | 'IP6'): string {
  const dot = s.lastIndexOf('.');
  if (dot < 0) return s;
  const [host, port] = [s.slice(0, dot), s.slice(dot + 1)];
  return family === 'IP6' ? `[${host}]:${port}` : `${host}:${port}`;
}

function hostOnly(s: string): string {
  const dot = s.lastIndexOf('.');
  return dot < 0 ? s : s.slice(0, dot);
}

/** DNS types by name, numbered as Firejail prints them (`(type 1)`); others keep tcpdump's name. */
const DNS_TYPES: Readonly<Record<string, number>> = { A: 1, NS: 2, CNAME: 5, SOA: 6, PTR: 12, MX: 15, TXT: 16, AAAA: 28, SRV: 33, SVCB: 64, HTTPS: 65, ANY: 255 };

/** Text from the sandbox, made safe for a terminal: printable ASCII only. */
const printable = (s: string) => s.replace(/[^\x20-\x7e]/g, '?');

export function clock(d: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

/**
 * The monitor's state: UDP flows already printed (nettrace prints one line per new flow; tcpdump's filter
 * passes only TCP SYNs, so every TCP line is new).
 */
export class TraceFormatter {
  private readonly flows = new Set<string>();

  constructor(readonly kind: Exclude<TraceKind, 'sni'>) {}

  /** The line to print for one tcpdump line, or undefined. */
  format(raw: string, now: Date): string | undefined {
    const l = parseDumpLine(raw);
    // Loopback traffic stays inside the sandbox: it neither comes in nor goes out.
    if (l === undefined || l.iface === 'lo') return undefined;
    const t = clock(now);
    switch (this.kind) {
      case 'net': {
        // With -q: `tcp 0` for TCP, `UDP, length N` for UDP.
        const proto = /^tcp\b/.test(l.rest) ? 'TCP' : /^UDP\b/.test(l.rest) ? 'UDP' : undefined;
        if (proto === undefined) return undefined;
        const flow = `${proto} ${l.src} ${l.dst}`;
        if (proto === 'UDP') {
          // A reply belongs to the flow it answers.
          if (this.flows.has(flow) || this.flows.has(`${proto} ${l.dst} ${l.src}`)) return undefined;
          // Bounded: a sandbox that sprays UDP must not grow the monitor without end.
          if (this.flows.size >= 65536) this.flows.clear();
          this.flows.add(flow);
        }
        return `${t}  ${hostPort(l.src, l.family)} => ${hostPort(l.dst, l.family)} (${proto})`;
      }
      case 'dns': {
        // `4660+ A? example.com. (29)`, `4660+ [1au] AAAA? example.com. (40)`; over TCP after the flags.
        const m = /(?:^|: )\d+\+?%?(?: \[[^\]]*\])? ([A-Za-z0-9]+)\? (\S+) /.exec(l.rest);
        if (m === null) return undefined;
        const [, type = '', name = ''] = m;
        const shown = name.endsWith('.') && name.length > 1 ? name.slice(0, -1) : name;
        const num = DNS_TYPES[type.toUpperCase()];
        return `${t}  ${hostOnly(l.dst)}  ${printable(shown)} (type ${num ?? printable(type)})`;
      }
      case 'icmp': {
        // `ICMP echo request, id 1, seq 1, length 64`; IPv6: `ICMP6, echo request, …`.
        const m = /^ICMP6?,? (.*)$/.exec(l.rest);
        if (m === null) return undefined;
        return `${t}  ${l.src} -> ${l.dst} - ${printable(m[1] ?? '')}`;
      }
    }
  }
}

/** --snitrace's line: time, the server's address, the name. */
export function formatSni(now: Date, server: string, name: string): string {
  return `${clock(now)}  ${server}  ${name}`;
}
