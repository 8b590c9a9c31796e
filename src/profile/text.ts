/**
 * Bytes → profile text. A profile is UTF-8 text without NUL bytes; anything else (a binary, a file in
 * another encoding) is rejected as a whole with the position of the first bad byte, rather than producing
 * thousands of "unknown command" errors from garbage.
 */

export type DecodeResult =
  | { readonly kind: 'text'; readonly text: string }
  | { readonly kind: 'invalid'; readonly line: number; readonly col: number; readonly message: string };

const strict = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

export function decodeProfile(bytes: Uint8Array): DecodeResult {
  const nul = bytes.indexOf(0);
  if (nul >= 0) {
    const { line, col } = positionOf(bytes, nul);
    return { kind: 'invalid', line, col, message: 'contains a NUL byte; this is not a text file' };
  }
  let text: string;
  try {
    // The native decoder is an order of magnitude faster than firstInvalidUtf8 on the common, valid case.
    text = strict.decode(bytes);
  } catch (e) {
    if (!(e instanceof TypeError)) throw e;
    const bad = Math.max(0, firstInvalidUtf8(bytes));
    const { line, col } = positionOf(bytes, bad);
    return { kind: 'invalid', line, col, message: `invalid UTF-8 (byte 0x${(bytes[bad] ?? 0).toString(16)})` };
  }
  return { kind: 'text', text };
}

/** Line and column (both from 1, the column in bytes) of a byte offset. */
function positionOf(bytes: Uint8Array, offset: number): { line: number; col: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset; i++) {
    if (bytes[i] === 0x0a) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, col: offset - lineStart + 1 };
}

/**
 * The offset of the first byte that does not start a well-formed UTF-8 sequence (RFC 3629: no overlong
 * forms, no surrogates, nothing above U+10FFFF), or -1. ASCII takes the fast path.
 */
export function firstInvalidUtf8(b: Uint8Array): number {
  const n = b.length;
  let i = 0;
  while (i < n) {
    const c = b[i] ?? 0;
    if (c < 0x80) {
      i++;
      continue;
    }
    let need: number;
    let min: number;
    if (c >= 0xc2 && c <= 0xdf) {
      need = 1;
      min = 0x80;
    } else if (c >= 0xe0 && c <= 0xef) {
      need = 2;
      min = 0x800;
    } else if (c >= 0xf0 && c <= 0xf4) {
      need = 3;
      min = 0x10000;
    } else return i;
    if (i + need >= n) return i; // truncated sequence at the end
    let cp = c & (0x3f >> need);
    for (let k = 1; k <= need; k++) {
      const cc = b[i + k];
      if (cc === undefined || (cc & 0xc0) !== 0x80) return i;
      cp = (cp << 6) | (cc & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return i;
    i += need + 1;
  }
  return -1;
}
