/**
 * Where a directive came from, and what went wrong with it. Diagnostics print like a compiler's:
 *
 *   /etc/firejail/firefox.profile:12:1: unknown command 'privat-dev' (did you mean 'private-dev'?)
 *     included from /home/u/.config/firejail/firefox.local:3:1
 *
 * Profile text is untrusted: every piece of it that ends up in a message goes through `quote`, so a
 * profile cannot write terminal escape sequences to the user's screen.
 */

/** A position in a profile file; line and column count from 1. */
export interface SourceLocation {
  readonly file: string;
  readonly line: number;
  readonly col: number;
}

/** The `include` lines that led to a file, innermost first. Shared between directives, never copied. */
export type IncludeChain = readonly SourceLocation[];

/** Where a directive came from: a profile line, or a command-line option. */
export type Origin =
  | { readonly kind: 'cli'; readonly option: string }
  | { readonly kind: 'profile'; readonly file: string; readonly line: number; readonly col: number }
  | { readonly kind: 'builtin'; readonly what: string };

export type Severity = 'error' | 'warning';

export interface Diagnostic {
  readonly severity: Severity;
  readonly message: string;
  /** The file the problem is in; for command-line problems, the option as typed. */
  readonly file: string;
  /** Line and column, or undefined when the problem concerns the whole file (unreadable, binary). */
  readonly line?: number;
  readonly col?: number;
  readonly includedFrom: IncludeChain;
}

/** A profile that cannot be used: every error found in it (and the warnings next to them). */
export class ProfileError extends Error {
  override readonly name = 'ProfileError';
  constructor(readonly diagnostics: readonly Diagnostic[]) {
    const first = diagnostics.find((d) => d.severity === 'error') ?? diagnostics[0];
    super(first === undefined ? 'invalid profile' : formatDiagnostic(first).split('\n')[0]);
  }
}

export function errorAt(loc: SourceLocation, message: string, includedFrom: IncludeChain): Diagnostic {
  return { severity: 'error', message, file: loc.file, line: loc.line, col: loc.col, includedFrom };
}

export function warningAt(loc: SourceLocation, message: string, includedFrom: IncludeChain): Diagnostic {
  return { severity: 'warning', message, file: loc.file, line: loc.line, col: loc.col, includedFrom };
}

export function fileError(file: string, message: string, includedFrom: IncludeChain): Diagnostic {
  return { severity: 'error', message, file, includedFrom };
}

export function hasErrors(diagnostics: readonly Diagnostic[]): boolean {
  return diagnostics.some((d) => d.severity === 'error');
}

/** `file:line:col: message`, a `warning:` tag for warnings, then one `  included from` line per include. */
export function formatDiagnostic(d: Diagnostic): string {
  const where = d.line === undefined ? d.file : `${d.file}:${d.line}:${d.col ?? 1}`;
  const tag = d.severity === 'warning' ? 'warning: ' : '';
  const lines = [`${quoteRaw(where)}: ${tag}${d.message}`];
  for (const site of d.includedFrom) lines.push(`  included from ${quoteRaw(site.file)}:${site.line}:${site.col}`);
  return lines.join('\n');
}

/** A location as text, for explain output: `file:line`, or the option for the command line. */
export function formatOrigin(o: Origin): string {
  switch (o.kind) {
    case 'cli':
      return `command line ${quoteRaw(o.option)}`;
    case 'profile':
      return `${quoteRaw(o.file)}:${o.line}`;
    case 'builtin':
      return `built-in ${o.what}`;
  }
}

const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/** Escapes control and bidi characters so that untrusted text prints as inert characters. */
export function quoteRaw(s: string): string {
  return s.replace(CONTROL, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** `'text'`, escaped and cut to a readable length. */
export function quote(s: string, max = 80): string {
  const cut = s.length > max ? `${s.slice(0, max)}…` : s;
  return `'${quoteRaw(cut)}'`;
}
