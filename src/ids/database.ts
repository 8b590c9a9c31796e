/**
 * The IDS database: a JSON document, one entry per line so that it reads and diffs well (docs/ids.md).
 *
 *   {"format":"kiln-ids","version":1,
 *   "created":"2026-12-04T14:20:00.000Z","uid":0,"hash":"sha256",
 *   "config":{"files":[...],"paths":[...],"exclude":[...]},
 *   "entries":[
 *   {"path":"/usr/bin/ls","type":"file","mode":"0755","uid":0,"gid":0,"sha256":"…"},
 *   …
 *   ]}
 *
 * Encoding and decoding are pure; reading and writing the file are below them.
 */
import { closeSync, fchmodSync, fsyncSync, lstatSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { HostError, UsageError } from '../errors.ts';
import { mkdirAll } from '../sys/fs.ts';
import type { IdsConfig } from './config.ts';
import type { Entry } from './entry.ts';

export interface Database {
  readonly created: string;
  readonly uid: number;
  readonly config: IdsConfig;
  readonly entries: ReadonlyMap<string, Entry>;
}

const FORMAT = 'kiln-ids';
const VERSION = 1;

function encodeEntry(e: Entry): string {
  const { path, type, mode, uid, gid, ...rest } = e;
  return JSON.stringify({ path, type, mode: `0${mode.toString(8).padStart(3, '0')}`, uid, gid, ...rest });
}

export function encodeDatabase(db: Database): string {
  const head = { format: FORMAT, version: VERSION };
  const meta = { created: db.created, uid: db.uid, hash: 'sha256' };
  const entries = [...db.entries.values()].map(encodeEntry);
  return `${JSON.stringify(head).slice(0, -1)},\n${JSON.stringify(meta).slice(1, -1)},\n"config":${JSON.stringify(db.config)},\n"entries":[\n${entries.join(',\n')}\n]}\n`;
}

/** Thrown by decodeDatabase; the caller adds the file name. */
class Damaged extends Error {}

function field<T>(o: Record<string, unknown>, name: string, check: (v: unknown) => v is T): T {
  const v = o[name];
  if (!check(v)) throw new Damaged(`bad or missing "${name}"`);
  return v;
}
const isString = (v: unknown): v is string => typeof v === 'string';
const isId = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0;
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isStrings = (v: unknown): v is string[] => Array.isArray(v) && v.every(isString);
const isMode = (v: unknown): v is string => typeof v === 'string' && /^0[0-7]{3,4}$/.test(v);
const isHash = (v: unknown): v is string => typeof v === 'string' && /^[0-9a-f]{64}$/.test(v);
const SPECIAL_KINDS = ['fifo', 'socket', 'char', 'block'] as const;
const isSpecialKind = (v: unknown): v is (typeof SPECIAL_KINDS)[number] => SPECIAL_KINDS.includes(v as never);

function decodeEntry(v: unknown): Entry {
  if (!isObject(v)) throw new Damaged('an entry is not an object');
  const common = {
    path: field(v, 'path', isString),
    mode: parseInt(field(v, 'mode', isMode), 8),
    uid: field(v, 'uid', isId),
    gid: field(v, 'gid', isId),
  };
  const unreadable = v['unreadable'] === undefined ? {} : { unreadable: field(v, 'unreadable', isString) };
  const type = field(v, 'type', isString);
  switch (type) {
    case 'file':
      return { ...common, type, ...(v['sha256'] === undefined ? {} : { sha256: field(v, 'sha256', isHash) }), ...unreadable };
    case 'dir':
      return { ...common, type, ...unreadable };
    case 'symlink':
      return { ...common, type, target: field(v, 'target', isString) };
    case 'special':
      return { ...common, type, kind: field(v, 'kind', isSpecialKind) };
    default:
      throw new Damaged(`unknown entry type "${type}"`);
  }
}

/** The database from its text; throws Damaged. */
function decode(text: string): Database {
  const doc: unknown = JSON.parse(text);
  if (!isObject(doc) || doc['format'] !== FORMAT) throw new Damaged('not a kiln IDS database');
  if (doc['version'] !== VERSION) throw new Damaged(`version ${String(doc['version'])}, this kiln reads version ${VERSION}`);
  if (doc['hash'] !== 'sha256') throw new Damaged(`unknown hash "${String(doc['hash'])}"`);
  const config = field(doc, 'config', isObject);
  const list = field(doc, 'entries', Array.isArray);
  const entries = new Map<string, Entry>();
  for (const raw of list) {
    const e = decodeEntry(raw);
    if (entries.has(e.path)) throw new Damaged(`${e.path} is listed twice`);
    entries.set(e.path, e);
  }
  return {
    created: field(doc, 'created', isString),
    uid: field(doc, 'uid', isId),
    config: { files: field(config, 'files', isStrings), paths: field(config, 'paths', isStrings), exclude: field(config, 'exclude', isStrings) },
    entries,
  };
}

export function decodeDatabase(text: string, file: string): Database {
  try {
    return decode(text);
  } catch (e) {
    if (e instanceof Damaged || e instanceof SyntaxError) throw new UsageError(`${file}: damaged IDS database (${e.message}); run kiln --ids-init again`);
    throw e;
  }
}

function errText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/**
 * Reads the database for `uid`. It must be a regular file of that user's that nobody else can write: a
 * database someone else can replace proves nothing.
 */
export function readDatabase(file: string, uid: number): Database {
  let st: ReturnType<typeof lstatSync>;
  try {
    st = lstatSync(file);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new UsageError(`no IDS database at ${file}; run kiln --ids-init first`);
    throw new HostError(`cannot read the IDS database: ${errText(e)}`, { cause: e });
  }
  if (!st.isFile()) throw new UsageError(`${file} is not a regular file`);
  if (st.uid !== uid) throw new UsageError(`${file} belongs to uid ${st.uid}, not to you (uid ${uid})`);
  if ((st.mode & 0o022) !== 0) throw new UsageError(`${file} is writable by others; run kiln --ids-init again`);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new HostError(`cannot read the IDS database: ${errText(e)}`, { cause: e });
  }
  const db = decodeDatabase(text, file);
  if (db.uid !== uid) throw new UsageError(`${file} was made for uid ${db.uid}, not for you (uid ${uid})`);
  return db;
}

/** Writes the database whole or not at all: a temporary file beside it, mode 0600, synced, then renamed. */
export function writeDatabase(file: string, db: Database): void {
  const dir = file.slice(0, file.lastIndexOf('/')) || '/';
  const temp = `${file}.tmp-${process.pid}`;
  let fd: number | undefined;
  let created = false;
  try {
    mkdirAll(dir, 0o700);
    fd = openSync(temp, 'wx', 0o600);
    created = true;
    fchmodSync(fd, 0o600); // whatever the umask
    const bytes = Buffer.from(encodeDatabase(db));
    for (let off = 0; off < bytes.length; ) off += writeSync(fd, bytes, off);
    fsyncSync(fd);
    closeSync(fd);
    fd = undefined;
    renameSync(temp, file);
  } catch (e) {
    if (fd !== undefined) closeSync(fd);
    if (created) rmSync(temp, { force: true });
    throw new HostError(`cannot write the IDS database ${file}: ${errText(e)}`, { cause: e });
  }
}
