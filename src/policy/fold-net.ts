/**
 * Folding network directives. `net none` gives a namespace with loopback only and forgets interfaces
 * named before it; `net IFACE` adds an interface (at most four, as in Firejail); `ip`, `ip6`, `iprange`,
 * `mac`, `mtu`, `netmask` and `veth-name` configure the interface of the last `net`. A later setting
 * replaces an earlier one, so a command-line `--ip` overrides the profile's.
 */
import { assertNever } from '../errors.ts';
import type { IncludeChain } from '../profile/diagnostics.ts';
import type { Directive } from '../profile/directive.ts';
import { report, type Draft } from './draft.ts';
import type { NetInterface } from './policy.ts';

export type NetKind =
  | 'net'
  | 'netns'
  | 'veth-name'
  | 'ip'
  | 'ip6'
  | 'iprange'
  | 'dns'
  | 'defaultgw'
  | 'netmask'
  | 'mac'
  | 'mtu'
  | 'netfilter'
  | 'netfilter6'
  | 'netlock'
  | 'hostname';

const MAX_INTERFACES = 4;
const MAX_DNS = 3;

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

export function foldNet(draft: Draft, d: Directive & { kind: NetKind }, chain: IncludeChain): void {
  const p = draft.p;
  const lastInterface = (): Mutable<NetInterface> | undefined => {
    const iface = p.net.kind === 'interfaces' ? draft.interfaces[draft.interfaces.length - 1] : undefined;
    if (iface === undefined) report(draft, 'error', d.origin, chain, `'${d.kind}' configures the interface of a 'net INTERFACE' command, and there is none before it`);
    return iface;
  };
  switch (d.kind) {
    case 'net':
      if (d.device === 'none') {
        p.net = { kind: 'none' };
        draft.interfaces.length = 0;
        return;
      }
      if (p.net.kind !== 'interfaces') {
        draft.interfaces.length = 0;
        p.net = { kind: 'interfaces', interfaces: [] };
      }
      if (draft.interfaces.some((i) => i.device === d.device)) {
        report(draft, 'error', d.origin, chain, `interface '${d.device}' is given twice`);
      } else if (draft.interfaces.length >= MAX_INTERFACES) {
        report(draft, 'error', d.origin, chain, `at most ${MAX_INTERFACES} network interfaces can be given`);
      } else {
        draft.interfaces.push({ device: d.device });
      }
      return;
    case 'netns':
      p.net = { kind: 'netns', name: d.value };
      draft.interfaces.length = 0;
      return;
    case 'veth-name': {
      const i = lastInterface();
      if (i !== undefined) i.vethName = d.value;
      return;
    }
    case 'ip': {
      const i = lastInterface();
      if (i !== undefined) i.ip = typeof d.value === 'string' ? d.value : d.value.address;
      return;
    }
    case 'ip6': {
      const i = lastInterface();
      if (i !== undefined) i.ip6 = typeof d.value === 'string' ? d.value : d.value.address;
      return;
    }
    case 'iprange': {
      const i = lastInterface();
      if (i !== undefined) i.iprange = [d.start, d.end];
      return;
    }
    case 'mac': {
      const i = lastInterface();
      if (i !== undefined) i.mac = d.address;
      return;
    }
    case 'mtu': {
      const i = lastInterface();
      if (i !== undefined) i.mtu = d.mtu;
      return;
    }
    case 'netmask': {
      const i = lastInterface();
      if (i !== undefined) i.netmask = d.address;
      return;
    }
    case 'dns':
      if (p.dns.includes(d.address)) return;
      if (p.dns.length >= MAX_DNS) report(draft, 'error', d.origin, chain, `at most ${MAX_DNS} DNS servers can be given`);
      else p.dns = [...p.dns, d.address];
      return;
    case 'defaultgw':
      p.defaultGateway = d.address;
      return;
    case 'netfilter':
      p.netfilter = d.file === undefined ? { kind: 'default' } : { kind: 'file', path: d.file, args: d.args ?? [] };
      return;
    case 'netfilter6':
      p.netfilter6 = { path: d.file, args: d.args ?? [] };
      return;
    case 'netlock':
      p.netlock = true;
      return;
    case 'hostname':
      p.hostname = d.value;
      return;
    default:
      assertNever(d);
  }
}
