/**
 * Validators for command arguments: capability and syscall lists, addresses, names, numbers. Each returns
 * the typed value or throws ArgumentError, which the command parser turns into a diagnostic at the
 * argument's position. Nothing here touches the file system.
 */
import { didYouMean } from '../suggest.ts';
import { quote } from './diagnostics.ts';
import type { NamespaceName, Protocol, SyscallSpec } from './directive.ts';
import { ERRNO } from './errnos.ts';
import { parseSyscallEntry, SeccompError } from '../seccomp/index.ts';
import { CAPABILITIES } from '../plan/caps.ts';

/** A malformed argument. Thrown by validators, caught by parseCommand only. */
export class ArgumentError extends Error {
  override readonly name = 'ArgumentError';
}

function fail(message: string): never {
  throw new ArgumentError(message);
}

/** Splits a comma-separated list; an empty item (`a,,b`, a trailing comma) is an error. */
export function splitList(arg: string, what: string): string[] {
  const items = arg.split(',').map((s) => s.trim());
  if (items.some((s) => s === '')) fail(`empty item in the ${what} list ${quote(arg)}`);
  return items;
}

const CAP_SET: ReadonlySet<string> = new Set(CAPABILITIES);

/** `sys_admin,net_raw` (CAP_ prefix and upper case tolerated) → lower-case names. */
export function parseCaps(arg: string): string[] {
  return splitList(arg, 'capability').map((item) => {
    const name = item.toLowerCase().replace(/^cap_/, '');
    if (!CAP_SET.has(name)) fail(`unknown capability ${quote(item)}${didYouMean(name, CAPABILITIES)}`);
    return name;
  });
}

const ERRNO_NAMES = Object.keys(ERRNO);

export function parseErrno(name: string): string {
  if (ERRNO[name] === undefined) fail(`unknown errno ${quote(name)}${didYouMean(name, ERRNO_NAMES)}`);
  return name;
}

/**
 * `name`, `@group` or `$number`, each either after `!` (an exception) or with `:ERRNO`, `:kill` or `:log`
 * (Firejail's per-entry actions). The seccomp
 * compiler's parser decides which syscall and group names exist (on any architecture kiln has tables for)
 * and which numbers are valid, so that a profile is checked against the same tables its filter is compiled
 * from.
 */
export function parseSyscalls(arg: string): SyscallSpec[] {
  return splitList(arg, 'syscall').map((item) => {
    const m = /^(!?)([@$]?[A-Za-z0-9_-]+)(?::([A-Za-z0-9]+))?$/.exec(item);
    if (m === null) fail(`malformed syscall entry ${quote(item)}; expected name, !name, @group, $number or name:ERRNO`);
    const [, bang = '', name = '', action] = m;
    try {
      parseSyscallEntry(`${bang}${name}`);
    } catch (e) {
      if (e instanceof SeccompError) fail(e.message.replace(/^seccomp: /, ''));
      throw e;
    }
    const spec: SyscallSpec = { name, exclude: bang === '!' };
    if (action === undefined) return spec;
    if (bang === '!') fail(`an exception (!) cannot have an action: ${quote(item)}`);
    return { ...spec, action: action === 'kill' || action === 'log' ? action : parseErrno(action.toUpperCase()) };
  });
}

export const PROTOCOLS: readonly Protocol[] = ['unix', 'inet', 'inet6', 'netlink', 'packet', 'bluetooth'];

export function parseProtocols(arg: string): Protocol[] {
  return splitList(arg, 'protocol').map((p) => {
    const found = PROTOCOLS.find((x) => x === p);
    if (found === undefined) fail(`unknown protocol ${quote(p)}${didYouMean(p, PROTOCOLS)}; known: ${PROTOCOLS.join(', ')}`);
    return found;
  });
}

export const NAMESPACES: readonly NamespaceName[] = ['cgroup', 'ipc', 'net', 'mnt', 'pid', 'time', 'user', 'uts'];

export function parseNamespaces(arg: string): NamespaceName[] {
  return splitList(arg, 'namespace').map((n) => {
    const found = NAMESPACES.find((x) => x === n);
    if (found === undefined) fail(`unknown namespace ${quote(n)}${didYouMean(n, NAMESPACES)}; known: ${NAMESPACES.join(', ')}`);
    return found;
  });
}

export function parseIpv4(arg: string): string {
  const parts = arg.split('.');
  const ok = parts.length === 4 && parts.every((p) => /^(0|[1-9][0-9]{0,2})$/.test(p) && Number(p) <= 255);
  if (!ok) fail(`invalid IPv4 address ${quote(arg)}`);
  return arg;
}

export function ipv4ToNumber(addr: string): number {
  return addr.split('.').reduce((acc, p) => acc * 256 + Number(p), 0);
}

export function parseNetmask(arg: string): string {
  const n = ipv4ToNumber(parseIpv4(arg));
  const inverted = ~n >>> 0;
  if ((inverted & (inverted + 1)) !== 0) fail(`invalid netmask ${quote(arg)}: the one bits must be contiguous`);
  return arg;
}

/** An IPv6 address (RFC 4291 text forms, with an embedded IPv4 tail), optionally with `/prefix`. */
export function parseIpv6(arg: string, allowPrefix: boolean): string {
  const slash = arg.indexOf('/');
  const addr = slash < 0 ? arg : arg.slice(0, slash);
  if (slash >= 0) {
    const prefix = arg.slice(slash + 1);
    if (!allowPrefix || !/^[0-9]{1,3}$/.test(prefix) || Number(prefix) > 128) fail(`invalid IPv6 address ${quote(arg)}`);
  }
  if (!isIpv6(addr)) fail(`invalid IPv6 address ${quote(arg)}`);
  return arg;
}

function isIpv6(addr: string): boolean {
  const halves = addr.split('::');
  if (halves.length > 2) return false;
  const groups = (s: string): string[] | undefined => (s === '' ? [] : s.split(':'));
  const head = groups(halves[0] ?? '');
  const tail = halves.length === 2 ? groups(halves[1] ?? '') : [];
  if (head === undefined || tail === undefined) return false;
  const all = [...head, ...tail];
  let width = all.length;
  const last = all[all.length - 1];
  if (last !== undefined && last.includes('.')) {
    if (!/^(\d{1,3}\.){3}\d{1,3}$/.test(last) || last.split('.').some((p) => Number(p) > 255)) return false;
    all.pop();
    width++; // an IPv4 tail fills two groups
  }
  if (!all.every((g) => /^[0-9a-fA-F]{1,4}$/.test(g))) return false;
  return halves.length === 2 ? width <= 7 : width === 8;
}

export function parseIpAny(arg: string): string {
  return arg.includes(':') ? parseIpv6(arg, false) : parseIpv4(arg);
}

export function parseMac(arg: string): string {
  if (!/^[0-9a-fA-F]{2}(:[0-9a-fA-F]{2}){5}$/.test(arg)) fail(`invalid MAC address ${quote(arg)}; expected xx:xx:xx:xx:xx:xx`);
  return arg.toLowerCase();
}

/** A network interface name as the kernel accepts it (IFNAMSIZ: at most 15 bytes, no '/', no blank). */
export function parseInterface(arg: string): string {
  if (!/^[^\s/:]{1,15}$/.test(arg) || arg === '.' || arg === '..') fail(`invalid network interface name ${quote(arg)}`);
  return arg;
}

/** A host name (HOST_NAME_MAX is 64): letters, digits, '-' and '.'. */
export function parseHostname(arg: string): string {
  if (!/^[A-Za-z0-9]([A-Za-z0-9.-]{0,62}[A-Za-z0-9])?$/.test(arg)) fail(`invalid host name ${quote(arg)}`);
  return arg;
}

/** A sandbox name: no '/' (it names files), no blanks, at most 64 characters. */
export function parseSandboxName(arg: string): string {
  if (!/^[^\s/]{1,64}$/.test(arg)) fail(`invalid sandbox name ${quote(arg)}; use at most 64 characters, without '/' or blanks`);
  return arg;
}

export function parseEnvName(name: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) fail(`invalid environment variable name ${quote(name)}`);
  return name;
}

export function parseInteger(arg: string, what: string, min: number, max: number): number {
  if (!/^[+-]?[0-9]{1,10}$/.test(arg)) fail(`invalid ${what} ${quote(arg)}; expected an integer`);
  const n = Number(arg);
  if (n < min || n > max) fail(`${what} ${quote(arg)} is out of range (${min} to ${max})`);
  return n;
}

const RLIM_MAX = (1n << 64n) - 1n;

/** A resource limit; `k`, `m` and `g` suffixes (base 1024) when `sized`. */
export function parseRlimit(arg: string, sized: boolean): bigint {
  const m = /^([0-9]{1,20})([kKmMgG]?)$/.exec(arg);
  if (m === null || (!sized && (m[2] ?? '') !== '')) {
    fail(`invalid limit ${quote(arg)}; expected a number${sized ? ', optionally with a k, m or g suffix' : ''}`);
  }
  const unit = { '': 1n, k: 1024n, m: 1024n ** 2n, g: 1024n ** 3n }[(m[2] ?? '').toLowerCase()] ?? 1n;
  const value = BigInt(m[1] ?? '0') * unit;
  if (value > RLIM_MAX) fail(`limit ${quote(arg)} is too large`);
  return value;
}

/** `hh:mm:ss` → seconds. */
export function parseTimeout(arg: string): number {
  const m = /^([0-9]{1,4}):([0-5][0-9]):([0-5][0-9])$/.exec(arg);
  if (m === null) fail(`invalid timeout ${quote(arg)}; expected hh:mm:ss`);
  const seconds = Number(m[1]) * 3600 + Number(m[2]) * 60 + Number(m[3]);
  if (seconds === 0) fail('a timeout of 00:00:00 would kill the sandbox at once');
  return seconds;
}

/** A D-Bus well-known name, optionally ending in `.*` (the name and everything below it). */
export function parseBusName(arg: string): string {
  const name = arg.endsWith('.*') ? arg.slice(0, -2) : arg;
  const ok = name.length <= 255 && /^[A-Za-z_-][A-Za-z0-9_-]*(\.[A-Za-z_-][A-Za-z0-9_-]*)+$/.test(name);
  if (!ok) fail(`invalid D-Bus name ${quote(arg)}`);
  return arg;
}

/** `NAME=[METHOD][@PATH]`, the xdg-dbus-proxy call and broadcast rule syntax. */
export function parseBusRule(arg: string): { name: string; rule: string } {
  const eq = arg.indexOf('=');
  if (eq < 0) fail(`invalid D-Bus rule ${quote(arg)}; expected NAME=INTERFACE.METHOD@/PATH`);
  const rule = arg.slice(eq + 1);
  if (!/^[A-Za-z0-9_.*-]*(@\/[A-Za-z0-9_/*-]*)?$/.test(rule) || rule === '') fail(`invalid D-Bus rule ${quote(rule)}`);
  return { name: parseBusName(arg.slice(0, eq)), rule };
}

/** `WIDTHxHEIGHT`. */
export function parseScreenSize(arg: string): { width: number; height: number } {
  const m = /^([0-9]{1,5})x([0-9]{1,5})$/.exec(arg);
  if (m === null || Number(m[1]) === 0 || Number(m[2]) === 0) fail(`invalid screen size ${quote(arg)}; expected WIDTHxHEIGHT`);
  return { width: Number(m[1]), height: Number(m[2]) };
}

/** A list of small non-negative integers: CPU numbers, file descriptors. */
export function parseNumberList(arg: string, what: string, max: number): number[] {
  const out: number[] = [];
  for (const item of splitList(arg, what)) {
    const n = parseInteger(item, what, 0, max);
    if (!out.includes(n)) out.push(n);
  }
  return out;
}
