/**
 * What kiln says when an error reaches a top level that no one expected there: one line, `kiln: internal
 * error: MESSAGE`, and the stack only when asked for (--debug, or KILN_DEBUG=1 where there is no command
 * line to read, as in the init stage). A user never sees a stack trace for something they did.
 */

/** Whether the caller asked for stacks: KILN_DEBUG=1, or --debug among kiln's own options. */
export function debugRequested(argv: readonly string[], env: Readonly<Record<string, string | undefined>>): boolean {
  if (env['KILN_DEBUG'] === '1') return true;
  for (const arg of argv) {
    if (arg === '--debug') return true;
    if (arg === '--' || !arg.startsWith('-')) break; // the program's own words
  }
  return false;
}

/** The text to print, `prefix` being `kiln` or `kiln: init`; the message is kept to one line. */
export function formatInternalError(e: unknown, prefix: string, withStack: boolean): string {
  const message = (e instanceof Error ? e.message : String(e)).replace(/\s*\n\s*/g, ' ');
  const stack = withStack && e instanceof Error && e.stack !== undefined ? `${e.stack}\n` : '';
  return `${prefix}: internal error: ${message}\n${stack}`;
}
