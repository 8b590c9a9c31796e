/**
 * Profile text → logical lines. Firejail's rules: one command per line; `#` starts a comment anywhere on
 * the line; leading and trailing blanks do not count; blank lines are skipped. A trailing CR is dropped so
 * that files edited on Windows still read. Tabs count as spaces.
 *
 * NOTE: this runs on every launch over a few thousand lines, mostly in JavaScriptCore's interpreter, so
 * it leans on native string functions (split, indexOf, trim) rather than a character loop.
 */

export interface LexedLine {
  /** Line number, from 1. */
  readonly line: number;
  /** Column of the first character of `text`, from 1. */
  readonly col: number;
  /** The line without its comment and surrounding blanks, tabs turned into spaces; never empty. */
  readonly text: string;
}

export type LexProblem = { readonly line: number; readonly col: number; readonly message: string };

/** Longer lines are rejected: the longest line in Firejail's 1,239 shipped files has 488 characters. */
export const MAX_LINE_LENGTH = 16 * 1024;

// NOTE: tab is the only control character a profile may contain; the others (ESC above all) could only
// serve to mislead a terminal that prints the line back in a diagnostic. CR is allowed at a line's end.
const BAD_CONTROL = /[\u0000-\u0008\u000b-\u000c\u000e-\u001f\u007f]|\r(?!\n|$)/;

export function lexProfile(text: string): { lines: LexedLine[]; problems: LexProblem[] } {
  const lines: LexedLine[] = [];
  const problems: LexProblem[] = [];
  const clean = !BAD_CONTROL.test(text);
  const raw = text.split('\n');
  for (let i = 0; i < raw.length; i++) {
    let s = raw[i] ?? '';
    if (s.length > MAX_LINE_LENGTH) {
      problems.push({ line: i + 1, col: 1, message: `line is ${s.length} characters long; the limit is ${MAX_LINE_LENGTH}` });
      continue;
    }
    const hash = s.indexOf('#');
    if (hash >= 0) s = s.slice(0, hash);
    if (s.indexOf('\t') >= 0) s = s.replace(/\t/g, ' ');
    if (s.endsWith('\r')) s = s.slice(0, -1);
    const body = s.trim();
    if (body === '') continue;
    const col = s.indexOf(body.charAt(0)) + 1;
    if (!clean) {
      const bad = BAD_CONTROL.exec(body);
      if (bad !== null) {
        const code = body.charCodeAt(bad.index).toString(16).toUpperCase().padStart(4, '0');
        problems.push({ line: i + 1, col: col + bad.index, message: `control character U+${code} in a profile line` });
        continue;
      }
    }
    lines.push({ line: i + 1, col, text: body });
  }
  return { lines, problems };
}
