/**
 * The shape of a profile command's argument parser, shared by the command tables (commands-*.ts) and
 * the dispatcher (commands.ts), which imports the tables.
 */
import type { DirectiveBody, DirectiveKind, FlagCommand } from './directive.ts';
import type { MacroEnv } from './macros.ts';

export interface ParseContext {
  readonly env: MacroEnv;
  /** Records a warning about the argument being parsed. */
  warn(message: string): void;
}

/** How one command takes its argument; `parse` must build the directive of that very command. */
export type ArgSpec<K extends DirectiveKind> =
  | { readonly arg: 'required'; readonly parse: (arg: string, ctx: ParseContext) => BodyOf<K> }
  | { readonly arg: 'optional'; readonly parse: (arg: string | undefined, ctx: ParseContext) => BodyOf<K> };

export type BodyOf<K extends DirectiveKind> = DirectiveBody & { readonly kind: K };
export type ArgTable<K extends Exclude<DirectiveKind, FlagCommand>> = { readonly [P in K]: ArgSpec<P> };
