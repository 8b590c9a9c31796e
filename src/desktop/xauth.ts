/**
 * The Xauthority file format (Xau): records of family (u16), address, display number, auth name and data,
 * each a u16 big-endian length and bytes. kiln writes the nested servers' cookie files itself (one record,
 * no process to start) and rewrites the record `xauth generate` makes for the untrusted cookie.
 *
 * Records use the wildcard family with an empty address and display number: they match any host name and
 * any display, so a sandbox with its own host name (`hostname`), where the ordinary local-family record
 * would not match, still finds its cookie.
 */

export const FAMILY_WILD = 0xffff;
export const MIT_MAGIC_COOKIE = 'MIT-MAGIC-COOKIE-1';

export interface XauthRecord {
  readonly family: number;
  readonly address: Uint8Array;
  readonly number: string;
  readonly name: string;
  readonly data: Uint8Array;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export function encodeXauth(records: readonly XauthRecord[]): Uint8Array {
  const parts: number[] = [];
  const field = (b: Uint8Array) => parts.push(b.length >> 8, b.length & 0xff, ...b);
  for (const r of records) {
    parts.push(r.family >> 8, r.family & 0xff);
    field(r.address);
    field(encoder.encode(r.number));
    field(encoder.encode(r.name));
    field(r.data);
  }
  return new Uint8Array(parts);
}

/** The records of a file; a truncated record ends the list (as libXau reads it). */
export function parseXauth(bytes: Uint8Array): XauthRecord[] {
  const out: XauthRecord[] = [];
  let i = 0;
  const u16 = () => {
    if (i + 2 > bytes.length) throw new RangeError('truncated');
    const v = ((bytes[i] ?? 0) << 8) | (bytes[i + 1] ?? 0);
    i += 2;
    return v;
  };
  const field = () => {
    const n = u16();
    if (i + n > bytes.length) throw new RangeError('truncated');
    const b = bytes.slice(i, i + n);
    i += n;
    return b;
  };
  try {
    while (i < bytes.length) {
      const family = u16();
      out.push({ family, address: field(), number: decoder.decode(field()), name: decoder.decode(field()), data: field() });
    }
  } catch {
    // a torn last record is dropped
  }
  return out;
}

/** One wildcard record for a cookie. */
export function cookieRecord(cookie: Uint8Array): XauthRecord {
  return { family: FAMILY_WILD, address: new Uint8Array(), number: '', name: MIT_MAGIC_COOKIE, data: cookie };
}

/** The MIT-MAGIC-COOKIE records of a file, made wildcard (for `xauth generate`'s output). */
export function wildcardCookies(bytes: Uint8Array): Uint8Array {
  return encodeXauth(parseXauth(bytes).filter((r) => r.name === MIT_MAGIC_COOKIE).map((r) => cookieRecord(r.data)));
}
