/**
 * Command-line options that are profile commands (`--private-dev`, `--caps.drop=all`) → directives, with
 * the same parser as profile lines. `--ignore` and `--include` steer the loader instead; Firejail options
 * that are not profile commands (`--trace`, `--appimage`, …) are passed through by name.
 */
import { UsageError } from '../errors.ts';
import { CommandError, isCommand, parseCommand, type ParseContext } from './commands.ts';
import { quote } from './diagnostics.ts';
import type { Directive } from './directive.ts';
import type { MacroEnv } from './macros.ts';

/** A profile command given on the command line, as src/cli/args.ts splits it off argv. */
export interface CliDirective {
  readonly name: string;
  /** undefined for a bare `--name`; the text after `=` otherwise (possibly empty). */
  readonly value: string | undefined;
  /** The option exactly as the user typed it, for messages. */
  readonly text: string;
}

export interface CliDirectives {
  readonly directives: readonly Directive[];
  /** `--ignore=CMD`, in order. */
  readonly ignores: readonly string[];
  /** `--include=FILE`, read before the profile. */
  readonly includes: readonly string[];
  /** `--appimage` was given (for `?HAS_APPIMAGE:`). */
  readonly appimage: boolean;
  /** Options that are not profile commands, by name and as typed. */
  readonly cliOnly: readonly { readonly name: string; readonly option: string; readonly value?: string }[];
  readonly warnings: readonly string[];
}

/** Parses every option; all malformed ones are reported together in one UsageError. */
export function parseCliDirectives(options: readonly CliDirective[], env: MacroEnv): CliDirectives {
  const directives: Directive[] = [];
  const ignores: string[] = [];
  const includes: string[] = [];
  const cliOnly: { name: string; option: string; value?: string }[] = [];
  const warnings: string[] = [];
  const problems: string[] = [];
  let appimage = false;
  for (const o of options) {
    switch (o.name) {
      case 'ignore':
        if (o.value === undefined || o.value.trim() === '') problems.push(`option '--ignore' needs a command: --ignore=COMMAND`);
        else ignores.push(o.value.trim().replace(/[ \t]+/g, ' '));
        continue;
      case 'include':
        if (o.value === undefined || o.value === '') problems.push(`option '--include' needs a file: --include=FILE`);
        else includes.push(o.value);
        continue;
      case 'appimage':
        appimage = true;
        cliOnly.push({ name: o.name, option: o.text });
        continue;
      default:
        break;
    }
    if (!isCommand(o.name)) {
      // A Firejail option that is not a profile command: policy/resolve.ts folds the few it knows.
      cliOnly.push({ name: o.name, option: o.text, ...(o.value !== undefined ? { value: o.value } : {}) });
      continue;
    }
    const ctx: ParseContext = { env, warn: (m) => warnings.push(`option ${quote(o.text)}: ${m}`) };
    const parsed = parseCommand(o.name, o.value, ctx, { kind: 'cli', option: o.text });
    if (parsed instanceof CommandError) problems.push(`option ${quote(o.text)}: ${parsed.message}`);
    else directives.push(parsed);
  }
  if (problems.length > 0) throw new UsageError(problems.join('\nkiln: '));
  return { directives, ignores, includes, appimage, cliOnly, warnings };
}
