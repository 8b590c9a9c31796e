/**
 * Network filters. Firejail's filter files (/etc/firejail/*.net) are iptables-restore input; kiln loads
 * them with iptables-restore itself (Debian's uses the nf_tables backend), never through a translator.
 * The template form `netfilter FILE,ARG1,ARG2…` replaces $ARG1… in the file, as Firejail does.
 */
import { UsageError } from '../errors.ts';
import type { NetFilter } from './types.ts';

/**
 * kiln's default client filter (`netfilter` without a file): nothing may connect in except replies to
 * what the program started, loopback and the ICMP errors that make TCP work (path MTU discovery,
 * unreachable); the program's own traffic out is not limited. Nothing is forwarded.
 */
export const DEFAULT_FILTER4 = [
  '*filter',
  ':INPUT DROP [0:0]',
  ':FORWARD DROP [0:0]',
  ':OUTPUT ACCEPT [0:0]',
  '-A INPUT -i lo -j ACCEPT',
  '-A INPUT -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT',
  '-A INPUT -p icmp --icmp-type destination-unreachable -j ACCEPT',
  '-A INPUT -p icmp --icmp-type time-exceeded -j ACCEPT',
  '-A INPUT -p icmp --icmp-type echo-request -j ACCEPT',
  'COMMIT',
  '',
].join('\n');

/** Replaces $ARG1…$ARGn (longest number first, so that $ARG1 never eats $ARG10's prefix). */
export function substituteArgs(text: string, args: readonly string[], source: string): string {
  let out = text;
  for (let i = args.length; i >= 1; i--) out = out.split(`$ARG${i}`).join(args[i - 1] ?? '');
  const left = /\$ARG(\d+)/.exec(out);
  if (left !== null) throw new UsageError(`${source} uses $ARG${left[1]}, but only ${args.length} filter argument${args.length === 1 ? ' was' : 's were'} given (netfilter FILE,ARG1,ARG2…)`);
  return out;
}

/** A filter file's rules, read through `read` (the planner's file view), with its arguments in place. */
export function loadFilter(path: string, args: readonly string[], read: (path: string) => Uint8Array | undefined, option: string): NetFilter {
  const bytes = read(path);
  if (bytes === undefined) throw new UsageError(`${option}: cannot read the filter file ${path}`);
  const text = new TextDecoder().decode(bytes);
  if (!/^\s*\*filter\b/m.test(text) && !/^\s*\*(nat|mangle|raw|security)\b/m.test(text)) {
    throw new UsageError(`${option}: ${path} is not in iptables-restore format (no *filter table)`);
  }
  return { source: path, rules: substituteArgs(text, args, path) };
}
