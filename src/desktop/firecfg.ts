/** kiln's firecfg. Placeholder until implemented. */
import { UsageError } from '../errors.ts';
import type { Reporter } from '../cli/report.ts';

export function runFirecfg(_args: readonly string[], _report: Reporter): number {
  throw new UsageError('--firecfg is not implemented yet');
}
