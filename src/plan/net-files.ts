/** `hosts-file` and `dns`: the sandbox's own /etc/hosts and resolv.conf, bound over the host's. */
import { UsageError } from '../errors.ts';
import { addBlob, type FsContext } from './fs-context.ts';

export function planNetFiles(ctx: FsContext): void {
  const { policy, fs, tree } = ctx;
  if (policy.hostsFile !== undefined) {
    const src = fs.realpath(policy.hostsFile);
    if (src === undefined || fs.lstat(src)?.type !== 'file') throw new UsageError(`hosts-file: ${policy.hostsFile} is not a file`);
    const dest = fs.realpath('/etc/hosts');
    if (dest !== undefined) tree.mount(dest, { kind: 'host', src }, { ro: true });
  }
  const dhcp = ctx.facts.isRoot && policy.net.kind === 'interfaces' && policy.net.interfaces.some((i) => i.ip === 'dhcp');
  if (dhcp && policy.dns.length === 0) {
    // --ip=dhcp: the lease's DNS servers, written by the network set-up stage into the helper directory's
    // resolv.conf before the program starts (src/net/setup.ts).
    const dest = fs.realpath('/etc/resolv.conf');
    if (dest === undefined) ctx.missing.push('/etc/resolv.conf');
    else tree.mount(dest, { kind: 'helper', socket: 'resolv.conf' }, { ro: true });
    return;
  }
  if (policy.dns.length > 0) {
    // NOTE: /etc/resolv.conf is often a symlink into /run (systemd-resolved, resolvconf); the bind goes
    // over its target, so the link keeps working.
    const dest = fs.realpath('/etc/resolv.conf');
    if (dest === undefined) {
      ctx.missing.push('/etc/resolv.conf');
      return;
    }
    const text = policy.dns.map((d) => `nameserver ${d}\n`).join('');
    tree.mount(dest, { kind: 'data', blob: addBlob(ctx, new TextEncoder().encode(text)), perms: 0o644 }, { ro: true });
  }
}
