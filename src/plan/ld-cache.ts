/**
 * /etc/ld.so.cache, the index ldconfig writes from ld.so.conf and the dynamic loader consults before its
 * default directories: library name → the paths it knows for it. Only the format glibc has written since
 * 2.32 (`glibc-ld.so.cache1.1`) is read, alone or after the old `ld.so-1.7.0` table; the file is
 * untrusted, so every offset is bounds-checked and the entry count is capped by the file's size.
 */

const MAGIC = new TextEncoder().encode('glibc-ld.so.cache1.1');
const HEADER = 48; // magic[17] version[3] nlibs len_strings flags padding[3] extension_offset unused[3]
const ENTRY = 24; // flags key value osversion hwcap
const FLAG_TYPE_MASK = 0xff;
const FLAG_ELF_LIBC6 = 3;

function indexOfMagic(bytes: Uint8Array): number {
  // The new table follows the old one, if any, within its first few hundred kilobytes.
  outer: for (let i = 0; i + MAGIC.length <= bytes.length; i++) {
    for (let j = 0; j < MAGIC.length; j++) if (bytes[i + j] !== MAGIC[j]) continue outer;
    return i;
  }
  return -1;
}

/**
 * Every library the cache lists, by name, with its paths in the cache's order (hardware-capability
 * variants included; the caller checks which suit the program).
 */
export function parseLdCache(bytes: Uint8Array): Map<string, string[]> {
  const out = new Map<string, string[]>();
  const base = bytes.length >= 11 && new TextDecoder().decode(bytes.subarray(0, 11)) === 'ld.so-1.7.0' ? indexOfMagic(bytes) : 0;
  if (base < 0 || base + HEADER > bytes.length) return out;
  for (let j = 0; j < MAGIC.length; j++) if (bytes[base + j] !== MAGIC[j]) return out;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const nlibs = Math.min(view.getUint32(base + 20, true), Math.floor((bytes.length - base - HEADER) / ENTRY));
  // NOTE: Buffer's native UTF-8 slice; a TextDecoder call per name costs about 1 ms per 1,000 names.
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  // String offsets count from the start of the new header.
  const str = (off: number): string | undefined => {
    const at = base + off;
    if (off <= 0 || at >= bytes.length) return undefined;
    const end = buf.indexOf(0, at);
    return end < 0 || end - at > 4096 ? undefined : buf.toString('utf8', at, end);
  };
  for (let i = 0; i < nlibs; i++) {
    const e = base + HEADER + i * ENTRY;
    if ((view.getInt32(e, true) & FLAG_TYPE_MASK) !== FLAG_ELF_LIBC6) continue;
    const key = str(view.getUint32(e + 4, true));
    const value = str(view.getUint32(e + 8, true));
    if (key === undefined || value === undefined || key.includes('/') || !value.startsWith('/')) continue;
    const list = out.get(key);
    if (list === undefined) out.set(key, [value]);
    else if (!list.includes(value)) list.push(value);
  }
  return out;
}
