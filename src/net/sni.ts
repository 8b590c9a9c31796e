/**
 * --snitrace's decoding: tcpdump captures (`-w -`, a pcap stream on a pipe); this reads the stream, takes
 * each packet's IPv4/IPv6 TCP payload and, if it begins a TLS ClientHello, the server name it carries
 * (RFC 6066 server_name extension). Pure and bounds-checked: the packets come from the sandbox, so any
 * byte may be wrong, and a malformed one yields nothing rather than an error.
 */

/** A pcap stream's link types kiln decodes (tcpdump -i any gives LINUX_SLL2; one interface, EN10MB). */
export const LINKTYPE_ETHERNET = 1;
export const LINKTYPE_RAW = 101;
export const LINKTYPE_LINUX_SLL = 113;
export const LINKTYPE_LINUX_SLL2 = 276;

export interface Packet {
  readonly linkType: number;
  readonly data: Uint8Array;
}

/**
 * The pcap savefile format, fed in chunks as they come off the pipe: a 24-byte file header (magic, link
 * type at 20), then per packet a 16-byte record header (captured length at 8) and the bytes.
 */
export class PcapReader {
  private buf = new Uint8Array(0);
  private linkType: number | undefined;
  private little = true;

  /** The complete packets the bytes so far make; throws if the stream is not pcap. */
  push(chunk: Uint8Array): Packet[] {
    const joined = new Uint8Array(this.buf.length + chunk.length);
    joined.set(this.buf);
    joined.set(chunk, this.buf.length);
    this.buf = joined;
    const out: Packet[] = [];
    let off = 0;
    const view = new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.byteLength);
    if (this.linkType === undefined) {
      if (this.buf.length < 24) return out;
      const magic = view.getUint32(0, true);
      // Microsecond (a1b2c3d4) or nanosecond (a1b23c4d) resolution, either byte order.
      if (magic === 0xa1b2c3d4 || magic === 0xa1b23c4d) this.little = true;
      else if (magic === 0xd4c3b2a1 || magic === 0x4d3cb2a1) this.little = false;
      else throw new Error(`not a pcap stream (magic 0x${magic.toString(16)})`);
      this.linkType = view.getUint32(20, this.little) & 0x0fffffff;
      off = 24;
    }
    while (this.buf.length - off >= 16) {
      const caplen = view.getUint32(off + 8, this.little);
      // tcpdump's snapshot length bounds it; anything larger is a broken stream.
      if (caplen > 262144) throw new Error(`pcap record of ${caplen} bytes`);
      if (this.buf.length - off - 16 < caplen) break;
      out.push({ linkType: this.linkType, data: this.buf.slice(off + 16, off + 16 + caplen) });
      off += 16 + caplen;
    }
    this.buf = this.buf.slice(off);
    return out;
  }
}

export interface TcpSegment {
  readonly src: string;
  readonly dst: string;
  readonly srcPort: number;
  readonly dstPort: number;
  readonly payload: Uint8Array;
}

const u16 = (b: Uint8Array, i: number): number => ((b[i] ?? 0) << 8) | (b[i + 1] ?? 0);

/** The network-layer packet inside a link-layer frame, with its ethertype. */
function networkLayer(p: Packet): { etherType: number; ip: Uint8Array } | undefined {
  const d = p.data;
  switch (p.linkType) {
    case LINKTYPE_ETHERNET: {
      if (d.length < 14) return undefined;
      let type = u16(d, 12);
      let off = 14;
      if (type === 0x8100 && d.length >= 18) {
        type = u16(d, 16);
        off = 18;
      }
      return { etherType: type, ip: d.subarray(off) };
    }
    case LINKTYPE_LINUX_SLL:
      return d.length < 16 ? undefined : { etherType: u16(d, 14), ip: d.subarray(16) };
    case LINKTYPE_LINUX_SLL2:
      return d.length < 20 ? undefined : { etherType: u16(d, 0), ip: d.subarray(20) };
    case LINKTYPE_RAW: {
      const v = (d[0] ?? 0) >> 4;
      return { etherType: v === 6 ? 0x86dd : 0x0800, ip: d };
    }
    default:
      return undefined;
  }
}

function ipv6Text(b: Uint8Array): string {
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(u16(b, i).toString(16));
  // The longest run of zero groups becomes "::" (RFC 5952).
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== '0') {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === '0') j++;
    if (j - i > bestLen) [best, bestLen] = [i, j - i];
    i = j;
  }
  if (best < 0) return groups.join(':');
  return `${groups.slice(0, best).join(':')}::${groups.slice(best + bestLen).join(':')}`;
}

/** The TCP segment in a captured frame, if it is IPv4 or IPv6 (no extension headers) carrying TCP. */
export function tcpSegment(p: Packet): TcpSegment | undefined {
  const net = networkLayer(p);
  if (net === undefined) return undefined;
  const ip = net.ip;
  let src: string;
  let dst: string;
  let tcp: Uint8Array;
  if (net.etherType === 0x0800) {
    if (ip.length < 20 || (ip[0] ?? 0) >> 4 !== 4 || ip[9] !== 6) return undefined;
    const ihl = ((ip[0] ?? 0) & 0x0f) * 4;
    const total = u16(ip, 2);
    if (ihl < 20 || total < ihl) return undefined;
    src = Array.from(ip.subarray(12, 16)).join('.');
    dst = Array.from(ip.subarray(16, 20)).join('.');
    tcp = ip.subarray(ihl, Math.min(total, ip.length));
  } else if (net.etherType === 0x86dd) {
    if (ip.length < 40 || (ip[0] ?? 0) >> 4 !== 6 || ip[6] !== 6) return undefined;
    src = ipv6Text(ip.subarray(8, 24));
    dst = ipv6Text(ip.subarray(24, 40));
    tcp = ip.subarray(40, Math.min(40 + u16(ip, 4), ip.length));
  } else {
    return undefined;
  }
  if (tcp.length < 20) return undefined;
  const dataOff = ((tcp[12] ?? 0) >> 4) * 4;
  if (dataOff < 20 || dataOff > tcp.length) return undefined;
  return { src, dst, srcPort: u16(tcp, 0), dstPort: u16(tcp, 2), payload: tcp.subarray(dataOff) };
}

/**
 * The host name in a TLS ClientHello's server_name extension, from the start of a TCP payload: the TLS
 * record (type 22, handshake), the handshake header (type 1, ClientHello), version, random, session id,
 * cipher suites, compression methods, then the extensions. Undefined if the payload is anything else or
 * ends before the name (a ClientHello split over segments: only the first is looked at).
 */
export function clientHelloSni(payload: Uint8Array): string | undefined {
  const b = payload;
  if (b.length < 9 || b[0] !== 0x16 || b[1] !== 3 || b[5] !== 0x01) return undefined;
  const end = Math.min(b.length, 5 + u16(b, 3));
  let i = 5 + 4 + 2 + 32; // record header, handshake header, client_version, random
  const need = (n: number) => i + n <= end;
  if (!need(1)) return undefined;
  i += 1 + (b[i] ?? 0); // session id
  if (!need(2)) return undefined;
  i += 2 + u16(b, i); // cipher suites
  if (!need(1)) return undefined;
  i += 1 + (b[i] ?? 0); // compression methods
  if (!need(2)) return undefined;
  const extEnd = Math.min(end, i + 2 + u16(b, i));
  i += 2;
  while (i + 4 <= extEnd) {
    const type = u16(b, i);
    const len = u16(b, i + 2);
    i += 4;
    if (i + len > extEnd) return undefined;
    if (type === 0) return serverName(b.subarray(i, i + len));
    i += len;
  }
  return undefined;
}

/** server_name extension data: a list of (type, name); type 0 is a DNS host name. */
function serverName(ext: Uint8Array): string | undefined {
  if (ext.length < 2) return undefined;
  const listEnd = Math.min(ext.length, 2 + u16(ext, 0));
  let i = 2;
  while (i + 3 <= listEnd) {
    const type = ext[i];
    const len = u16(ext, i + 1);
    i += 3;
    if (i + len > listEnd) return undefined;
    if (type === 0) {
      const name = new TextDecoder('latin1').decode(ext.subarray(i, i + len));
      // A host name is letters, digits, hyphens, dots (and underscores in practice); anything else
      // would put the sandbox's bytes on the monitor's terminal.
      return /^[A-Za-z0-9._-]{1,253}$/.test(name) ? name : undefined;
    }
    i += len;
  }
  return undefined;
}
