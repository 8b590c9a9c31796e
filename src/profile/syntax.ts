/**
 * One logical line → its conditions and a body: a directive, an `include`, an `ignore`, or the reason it
 * is invalid. Parsing a line depends only on its text and the macro environment, so parsed files can be
 * cached and shared between every profile that includes them.
 */
import { didYouMean } from '../suggest.ts';
import { CommandError, parseCommand, type ParseContext } from './commands.ts';
import { CONDITIONS, isCondition, type ConditionName } from './conditions.ts';
import { quote } from './diagnostics.ts';
import type { Directive } from './directive.ts';
import type { LexedLine } from './lexer.ts';
import type { MacroEnv } from './macros.ts';

/** A line's content: a directive (its `kind` is the command), or one of three structural forms. */
export type LineBody =
  | Directive
  | { readonly kind: 'include'; readonly target: string; readonly col: number }
  | { readonly kind: 'ignore'; readonly pattern: string }
  | { readonly kind: 'invalid'; readonly col: number; readonly message: string };

export interface LineWarning {
  readonly col: number;
  readonly message: string;
}

export interface ParsedLine {
  readonly line: number;
  /** Column of the command word (after any conditions). */
  readonly col: number;
  /** The command and argument with blanks collapsed, as `ignore` patterns are matched against it. */
  readonly text: string;
  /** All must hold for the line to count. */
  readonly conditions: readonly ConditionName[];
  readonly body: LineBody;
  readonly warnings: readonly LineWarning[];
}

const NONE: readonly never[] = [];

function lineOf(line: number, col: number, text: string, conditions: readonly ConditionName[], body: LineBody, warnings: readonly LineWarning[] = NONE): ParsedLine {
  return { line, col, text, conditions, body, warnings };
}

/** Strips `?NAME:` prefixes. Returns the rest and its offset, or the problem. */
function parseConditions(text: string, conditions: ConditionName[]): { rest: string; offset: number } | { col: number; message: string } {
  let rest = text;
  let offset = 0;
  while (rest.startsWith('?')) {
    const colon = rest.indexOf(':');
    const name = colon < 0 ? '' : rest.slice(1, colon);
    if (colon < 0 || !/^[A-Z0-9_]+$/.test(name)) return { col: offset, message: 'a conditional is written ?NAME: followed by a profile line' };
    if (!isCondition(name)) {
      return { col: offset + 1, message: `unknown condition ${quote(name)}${didYouMean(name, CONDITIONS)}; known: ${CONDITIONS.join(', ')}` };
    }
    conditions.push(name);
    let next = colon + 1;
    while (rest.charCodeAt(next) === 0x20) next++;
    offset += next;
    rest = rest.slice(next);
    if (rest === '') return { col: offset, message: `no profile line after the condition ?${name}:` };
  }
  return { rest, offset };
}

/** Parses the lines of one file. One instance per file: it reuses its parse context across lines. */
export class LineParser {
  private warnings: LineWarning[] | undefined;
  private argCol = 0;
  private readonly ctx: ParseContext;

  constructor(
    private readonly file: string,
    env: MacroEnv,
  ) {
    this.ctx = { env, warn: (message) => (this.warnings ??= []).push({ col: this.argCol, message }) };
  }

  parse(lexed: LexedLine): ParsedLine {
    const line = lexed.line;
    let text = lexed.text;
    let base = lexed.col; // column of `text`
    let conditions: readonly ConditionName[] = NONE;
    if (text.charCodeAt(0) === 0x3f /* ? */) {
      const list: ConditionName[] = [];
      const c = parseConditions(text, list);
      if ('message' in c) return lineOf(line, base, text, list, { kind: 'invalid', col: base + c.col, message: c.message });
      conditions = list;
      text = c.rest;
      base += c.offset;
    }

    // The lexer trimmed the line and turned tabs into spaces: the command ends at the first space.
    const blank = text.indexOf(' ');
    const command = blank < 0 ? text : text.slice(0, blank);
    let arg: string | undefined;
    let normalized = text;
    this.argCol = base + command.length;
    if (blank >= 0) {
      let start = blank + 1;
      while (text.charCodeAt(start) === 0x20) start++;
      this.argCol = base + start;
      arg = text.slice(start);
      if (arg.includes('  ')) arg = arg.replace(/ {2,}/g, ' ');
      if (start !== blank + 1 || arg.length !== text.length - start) normalized = `${command} ${arg}`;
    }

    if ((command === 'include' || command === 'quiet') && conditions.length > 0) {
      return lineOf(line, base, normalized, conditions, { kind: 'invalid', col: base, message: `'${command}' cannot be conditional` });
    }
    if (command === 'include') {
      const body: LineBody = arg === undefined ? { kind: 'invalid', col: base, message: `'include' needs a file name` } : { kind: 'include', target: arg, col: this.argCol };
      return lineOf(line, base, normalized, conditions, body);
    }
    if (command === 'ignore') {
      const body: LineBody = arg === undefined ? { kind: 'invalid', col: base, message: `'ignore' needs a command to ignore` } : { kind: 'ignore', pattern: arg };
      return lineOf(line, base, normalized, conditions, body);
    }
    this.warnings = undefined;
    const parsed = parseCommand(command, arg, this.ctx, { kind: 'profile', file: this.file, line, col: base });
    const body: LineBody = parsed instanceof CommandError ? { kind: 'invalid', col: parsed.at === 'command' ? base : this.argCol, message: parsed.message } : parsed;
    return lineOf(line, base, normalized, conditions, body, this.warnings);
  }
}
