import { describe, expect, test } from 'bun:test';
import { cookieRecord, encodeXauth, parseXauth, wildcardCookies } from './xauth.ts';

describe('Xauthority records', () => {
  const cookie = Uint8Array.from({ length: 16 }, (_, i) => i * 7);
  test('a wildcard cookie record encodes as libXau reads it', () => {
    const bytes = encodeXauth([cookieRecord(cookie)]);
    // family ffff, empty address, empty number, name length 18, the name, data length 16, the data
    expect([...bytes.slice(0, 8)]).toEqual([0xff, 0xff, 0, 0, 0, 0, 0, 18]);
    expect(bytes.length).toBe(2 + 2 + 2 + 2 + 18 + 2 + 16);
    expect(parseXauth(bytes)).toEqual([cookieRecord(cookie)]);
  });
  test("xauth generate's local record becomes a wildcard one; other records and torn ends are dropped", () => {
    const local = { family: 256, address: new TextEncoder().encode('vm'), number: '50', name: 'MIT-MAGIC-COOKIE-1', data: cookie };
    const other = { family: 0, address: new Uint8Array([127, 0, 0, 1]), number: '0', name: 'XDM-AUTHORIZATION-1', data: cookie };
    const bytes = encodeXauth([local, other]);
    const torn = new Uint8Array([...bytes, 0x01, 0x00, 0x00]);
    expect(parseXauth(wildcardCookies(torn))).toEqual([cookieRecord(cookie)]);
  });
});
