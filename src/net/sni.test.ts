import { describe, expect, test } from 'bun:test';
import { clientHelloSni, LINKTYPE_ETHERNET, LINKTYPE_LINUX_SLL2, PcapReader, tcpSegment } from './sni.ts';

const be16 = (n: number) => [(n >> 8) & 0xff, n & 0xff];
const ascii = (s: string) => Array.from(new TextEncoder().encode(s));

/** A ClientHello record with the given extensions (type, data), as a TLS 1.2/1.3 client sends it. */
function clientHello(exts: readonly [number, number[]][], sessionId = 32): number[] {
  const extBytes = exts.flatMap(([type, data]) => [...be16(type), ...be16(data.length), ...data]);
  const body = [
    3, 3, // client_version
    ...new Array(32).fill(7), // random
    sessionId, ...new Array(sessionId).fill(1),
    ...be16(4), 0x13, 0x01, 0xc0, 0x2f, // cipher suites
    1, 0, // compression: null
    ...be16(extBytes.length), ...extBytes,
  ];
  const hs = [1, 0, ...be16(body.length), ...body];
  return [0x16, 3, 1, ...be16(hs.length), ...hs];
}

const sniExt = (name: string) => {
  const n = ascii(name);
  return [...be16(n.length + 3), 0, ...be16(n.length), ...n];
};

describe('clientHelloSni', () => {
  test('finds the server name after other extensions', () => {
    const hello = clientHello([[0x000a, [0, 2, 0, 0x1d]], [0, sniExt('www.example.test')], [0x002b, [2, 3, 4]]]);
    expect(clientHelloSni(new Uint8Array(hello))).toBe('www.example.test');
  });

  test('no server_name extension, a non-handshake record, a ServerHello: nothing', () => {
    expect(clientHelloSni(new Uint8Array(clientHello([[0x000a, [0, 2, 0, 0x1d]]])))).toBeUndefined();
    const appData = clientHello([[0, sniExt('a.test')]]);
    appData[0] = 0x17;
    expect(clientHelloSni(new Uint8Array(appData))).toBeUndefined();
    const serverHello = clientHello([[0, sniExt('a.test')]]);
    serverHello[5] = 2;
    expect(clientHelloSni(new Uint8Array(serverHello))).toBeUndefined();
    // Control: the same bytes as a ClientHello are read.
    expect(clientHelloSni(new Uint8Array(clientHello([[0, sniExt('a.test')]])))).toBe('a.test');
  });

  test('every truncation yields nothing or the name, never an error or a wrong name', () => {
    const hello = clientHello([[0x0017, []], [0, sniExt('cut.example.test')]], 0);
    for (let n = 0; n < hello.length; n++) {
      const got = clientHelloSni(new Uint8Array(hello.slice(0, n)));
      expect(got === undefined || got === 'cut.example.test').toBe(true);
    }
    expect(clientHelloSni(new Uint8Array(hello))).toBe('cut.example.test');
  });

  test('lengths that point past the record, and names with control bytes, yield nothing', () => {
    const hello = clientHello([[0, sniExt('ok.test')]]);
    const lying = [...hello];
    lying[lying.length - 9] = 0xff; // the name's length: past the extension
    expect(clientHelloSni(new Uint8Array(lying))).toBeUndefined();
    expect(clientHelloSni(new Uint8Array(clientHello([[0, sniExt('bad\x1b[2Jname')]])))).toBeUndefined();
  });
});

/** IPv4 + TCP (no options) around a payload. */
function ipv4Tcp(src: number[], dst: number[], sport: number, dport: number, payload: number[]): number[] {
  const tcp = [...be16(sport), ...be16(dport), 0, 0, 0, 1, 0, 0, 0, 0, 0x50, 0x18, ...be16(512), 0, 0, 0, 0, ...payload];
  return [0x45, 0, ...be16(20 + tcp.length), 0, 0, 0x40, 0, 64, 6, 0, 0, ...src, ...dst, ...tcp];
}

function pcap(linkType: number, frames: number[][]): Uint8Array {
  const head = new DataView(new ArrayBuffer(24));
  head.setUint32(0, 0xa1b2c3d4, true);
  head.setUint16(4, 2, true);
  head.setUint16(6, 4, true);
  head.setUint32(16, 262144, true);
  head.setUint32(20, linkType, true);
  const parts: number[] = Array.from(new Uint8Array(head.buffer));
  for (const f of frames) {
    const rec = new DataView(new ArrayBuffer(16));
    rec.setUint32(8, f.length, true);
    rec.setUint32(12, f.length, true);
    parts.push(...new Uint8Array(rec.buffer), ...f);
  }
  return new Uint8Array(parts);
}

describe('pcap stream and TCP segments', () => {
  test('SLL2 frames, fed one byte at a time, give the addresses, ports and ClientHello', () => {
    const hello = clientHello([[0, sniExt('sni.example.test')]]);
    const sll2 = (ip: number[]) => [0x08, 0x00, 0, 0, 0, 0, 0, 2, 0, 1, 4, 4, 6, 2, 0, 0, 0, 0, 0, 0, ...ip];
    const stream = pcap(LINKTYPE_LINUX_SLL2, [sll2(ipv4Tcp([10, 0, 2, 100], [10, 91, 0, 1], 40000, 443, hello)), sll2(ipv4Tcp([10, 0, 2, 100], [10, 91, 0, 1], 40000, 443, []))]);
    const r = new PcapReader();
    const packets = Array.from(stream).flatMap((byte) => r.push(new Uint8Array([byte])));
    expect(packets.length).toBe(2);
    const seg = tcpSegment(packets[0]!);
    expect(seg && { src: seg.src, dst: seg.dst, sp: seg.srcPort, dp: seg.dstPort }).toEqual({ src: '10.0.2.100', dst: '10.91.0.1', sp: 40000, dp: 443 });
    expect(clientHelloSni(seg!.payload)).toBe('sni.example.test');
    expect(clientHelloSni(tcpSegment(packets[1]!)!.payload)).toBeUndefined();
  });

  test('Ethernet frames with IPv6; a stream that is not pcap is refused', () => {
    const addr = (last: number) => [0xfd, 0, ...new Array(13).fill(0), last];
    const tcp = [...be16(50000), ...be16(443), 0, 0, 0, 1, 0, 0, 0, 0, 0x50, 0x18, 0, 1, 0, 0, 0, 0, 1, 2];
    const ip6 = [0x60, 0, 0, 0, ...be16(tcp.length), 6, 64, ...addr(1), ...addr(2), ...tcp];
    const eth = [...new Array(12).fill(0xaa), 0x86, 0xdd, ...ip6];
    const [p] = new PcapReader().push(pcap(LINKTYPE_ETHERNET, [eth]));
    const seg = tcpSegment(p!);
    expect([seg?.src, seg?.dst, seg?.dstPort, Array.from(seg?.payload ?? [])]).toEqual(['fd00::1', 'fd00::2', 443, [1, 2]]);
    expect(() => new PcapReader().push(new TextEncoder().encode('tcpdump: listening on any, link-type'))).toThrow();
  });
});
