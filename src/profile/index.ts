/**
 * The profile language: Firejail's profile files → typed directives with their source positions.
 *
 *   selectProfile / findProfile      which file a launch or --profile=NAME|PATH means
 *   createLoader(…).load(…)          read a profile and its includes: conditions, ignore, diagnostics
 *   parseCliDirectives               command-line options that are profile commands → directives
 *   parseCommand                     one command and its argument → a directive (both of the above use it)
 *
 * Errors are data: Diagnostic values (file:line:col, include chain), thrown together as a ProfileError
 * by whoever decides that a profile cannot be used.
 */
export { BUILTIN_PROFILES } from './builtin.ts';
export { parseCliDirectives, type CliDirectives } from './cli.ts';
export { COMMAND_NAMES, CommandError, isCommand, parseCommand } from './commands.ts';
export { CONDITIONS, initialConditions, observe, type ConditionState } from './conditions.ts';
export { loadGlobalConfig, type GlobalConfig } from './config.ts';
export { formatDiagnostic, ProfileError, type Diagnostic, type Origin, type SourceLocation } from './diagnostics.ts';
export type { Directive, DirectiveKind } from './directive.ts';
export { buildMacroEnv } from './env.ts';
export { createLoader, type ActiveDirective, type LoadedProfile } from './load.ts';
export { defaultSearchPath, type Located, type SearchPath } from './search.ts';
export { findProfile, selectProfile, type Selection } from './select.ts';
