/** --ids-init and --ids-check. Placeholder until implemented. */
import { UsageError } from '../errors.ts';
import type { Reporter } from '../cli/report.ts';

export function runIds(mode: 'init' | 'check', _report: Reporter): number {
  throw new UsageError(`--ids-${mode} is not implemented yet`);
}
