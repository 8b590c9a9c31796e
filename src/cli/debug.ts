/** `--debug`: the plan in readable form, printed before kiln hands over to bwrap. */
import type { LaunchPlan } from '../plan/types.ts';
import { toBwrapArgs } from '../plan/bwrap-args.ts';

function quote(arg: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replaceAll("'", `'\\''`)}'`;
}

export function describePlan(plan: LaunchPlan, execArgv: readonly string[]): string {
  const lines: string[] = [];
  lines.push(`kiln: exec ${plan.bwrapPath} ${execArgv.slice(1).map(quote).join(' ')}`);
  lines.push('kiln: bwrap options (passed in the --args memfd):');
  const options = toBwrapArgs(
    plan,
    plan.blobs.map((_, i) => -1 - i),
  );
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
  if (plan.init === undefined) lines.push('kiln: init stage: none (bwrap execs the program directly)');
  else {
    lines.push(`kiln: init stage: keeps capabilities [${plan.init.keepCaps.join(',')}]`);
    for (const step of plan.init.steps) {
      lines.push(`kiln: init step: ${step.kind} ${step.dest}${step.kind === 'remount' ? ` ${step.flags.join(',')}` : ''}`);
    }
  }
  for (const step of plan.preExec) lines.push(`kiln: before exec: ${JSON.stringify(step)}`);
  for (const path of plan.missing) lines.push(`kiln: not found, skipped: ${path}`);
  return `${lines.join('\n')}\n`;
}
