/** `--debug`: the plan in readable form, printed before kiln hands over to bwrap. */
import type { LaunchPlan } from '../plan/types.ts';
import { toBwrapArgs } from '../plan/bwrap-args.ts';
import type { HelperArg } from '../helpers/spec.ts';

function quote(arg: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replaceAll("'", `'\\''`)}'`;
}

export function describePlan(plan: LaunchPlan, execArgv: readonly string[]): string {
  const lines: string[] = [];
  lines.push(`kiln: exec ${execArgv.map(quote).join(' ')}`);
  lines.push('kiln: bwrap options (passed in the --args memfd):');
  const options = toBwrapArgs(plan, {
    blobFds: plan.blobs.map((_, i) => -1 - i),
    ...(plan.helpers.length > 0 || plan.network !== undefined ? { helperDir: '$HELPERS', display: 0 } : {}),
  });
  let line = '  ';
  for (const arg of options) {
    if (arg.startsWith('--') && line.trim() !== '') {
      lines.push(line);
      line = '  ';
    }
    line += line.trim() === '' ? quote(arg) : ` ${quote(arg)}`;
  }
  if (line.trim() !== '') lines.push(line);
  plan.blobs.forEach((blob, i) => lines.push(`kiln: fd for blob ${i} (shown as ${-1 - i} above): ${blob.length} bytes`));
  if (plan.init === undefined) lines.push(`kiln: init stage: none (bwrap execs ${plan.signalReset.kind === 'env' ? plan.signalReset.path : '?'}, which resets the program's signals)`);
  else {
    lines.push(`kiln: init stage: ${plan.init.capsByBwrap ? 'leaves capabilities to bwrap' : `keeps capabilities [${plan.init.keepCaps.join(',')}]`}`);
    for (const l of plan.init.rlimits) lines.push(`kiln: init sets ${l.name}=${l.value}`);
    for (const step of plan.init.steps) {
      lines.push(`kiln: init step: ${step.kind}${'dest' in step ? ` ${step.dest}` : ''}${step.kind === 'remount' ? ` ${step.flags.join(',')}` : ''}`);
    }
  }
  for (const h of plan.helpers) {
    const words = (args: readonly HelperArg[]) => args.map((a) => quote(typeof a === 'string' ? a : a.kind === 'path' ? `${a.prefix ?? ''}$HELPERS/${a.name}` : a.kind === 'display' ? ':DISPLAY' : `${a.prefix}FD`)).join(' ');
    lines.push(`kiln: helper ${h.name}: ${quote(h.path)} ${words(h.args)}${h.argsFile !== undefined ? ` (args file: ${words(h.argsFile)})` : ''}`);
  }
  for (const step of plan.preExec) lines.push(`kiln: before exec: ${JSON.stringify(step)}`);
  const net = plan.network;
  if (net !== undefined) {
    const ifaces = net.mode === 'user' ? [`${net.user?.name ?? 'eth0'} (slirp4netns ${net.user?.address ?? ''}/${net.user?.network.prefix ?? ''}, mtu ${net.user?.mtu ?? ''})`] : net.interfaces.map((i) => `${i.name} (${i.kind} on ${i.device}, address ${i.address.kind === 'static' ? i.address.address : i.address.kind})`);
    lines.push(`kiln: network set-up stage (${net.mode}): ${ifaces.join(', ')}${net.filter4 !== undefined ? `; netfilter ${net.filter4.source}` : ''}${net.filter6 !== undefined ? `; netfilter6 ${net.filter6.source}` : ''}${net.sysfs !== undefined ? `; sysfs at ${net.sysfs}` : ''}`);
  }
  for (const note of plan.notes ?? []) lines.push(`kiln: ${note}`);
  for (const path of plan.missing) lines.push(`kiln: not found, skipped: ${path}`);
  return `${lines.join('\n')}\n`;
}
