/**
 * The output of `--profile.check` and `--profile.explain`, as text for cli/main.ts to print. Diagnostics
 * go to stderr like a compiler's; the verdict or the explanation goes to stdout. Exit status: 0 when the
 * profile is valid, 1 when it is not.
 */
import { formatDiagnostic, quoteRaw, type Diagnostic } from '../profile/diagnostics.ts';
import type { PolicyOutcome } from './build.ts';
import { explainPolicy } from './explain.ts';

export interface ToolOutput {
  readonly stdout: string;
  readonly stderr: string;
  readonly exitCode: number;
}

function count(n: number, what: string): string {
  return `${n} ${what}${n === 1 ? '' : 's'}`;
}

function diagnosticsText(ds: readonly Diagnostic[]): string {
  return ds.map((d) => `${formatDiagnostic(d)}\n`).join('');
}

export function profileReport(tool: 'profile-check' | 'profile-explain', outcome: PolicyOutcome): ToolOutput {
  const stderr = diagnosticsText(outcome.diagnostics);
  const warnings = outcome.diagnostics.filter((d) => d.severity === 'warning').length;
  if (outcome.kind === 'invalid') {
    const errors = outcome.diagnostics.length - warnings;
    const name = outcome.files[0] ?? 'the profile';
    return { stdout: `${quoteRaw(name)}: invalid, ${count(errors, 'error')}, ${count(warnings, 'warning')}\n`, stderr, exitCode: 1 };
  }
  const p = outcome.policy;
  if (tool === 'profile-explain') return { stdout: explainPolicy(p), stderr, exitCode: 0 };
  const notEnforced = [...new Set(p.notEnforced.map((n) => n.command))].sort();
  const lines = [
    `${quoteRaw(p.profiles[0] ?? 'the profile')}: valid, ${count(p.profiles.length, 'file')} read, ${count(warnings, 'warning')}`,
  ];
  if (notEnforced.length > 0) lines.push(`recognized but not enforced by kiln yet: ${notEnforced.join(', ')}`);
  return { stdout: `${lines.join('\n')}\n`, stderr, exitCode: 0 };
}
