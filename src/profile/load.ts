/**
 * The profile loader: reads a profile and everything it includes, in order, and returns the directives
 * that apply. It evaluates conditions against what has been asked for so far, drops lines matched by
 * `ignore`, follows includes with cycle and depth checks, and collects every diagnostic instead of
 * stopping at the first.
 *
 * Hostile input is bounded: at most MAX_INCLUDE_DEPTH nested includes, MAX_INCLUDES include operations
 * and MAX_LINES lines per load, MAX_ERRORS_PER_FILE reported errors per file. Parsed files are cached per
 * loader, so a file included by many profiles (as disable-common.inc is) is read and parsed once.
 */
import type { GlobalConfig } from './config.ts';
import { evaluateCondition, observe, type ConditionName, type ConditionState } from './conditions.ts';
import { errorAt, fileError, warningAt, type Diagnostic, type IncludeChain, type SourceLocation } from './diagnostics.ts';
import type { Directive } from './directive.ts';
import { readProfileFile } from './files.ts';
import { resolveInclude, type IncludeTarget } from './includes.ts';
import { lexProfile } from './lexer.ts';
import type { MacroEnv } from './macros.ts';
import type { Located, SearchPath } from './search.ts';
import { LineParser, type ParsedLine } from './syntax.ts';

// Firejail's own profiles nest at most 4 deep and make at most a few dozen includes per profile.
export const MAX_INCLUDE_DEPTH = 16;
export const MAX_INCLUDES = 1000;
export const MAX_LINES = 1_000_000;
export const MAX_ERRORS_PER_FILE = 50;

export interface LoaderOptions {
  readonly env: MacroEnv;
  readonly search: SearchPath;
  /** The global configuration, read only if a condition needs it. */
  readonly config: () => GlobalConfig;
}

export interface LoadRequest {
  /** The files to read, in order: `--include` files, then the profile. */
  readonly sources: readonly Located[];
  /** `--ignore` patterns from the command line. */
  readonly ignores: readonly string[];
  /** The conditions as the command line leaves them. */
  readonly conditions: ConditionState;
}

/** A directive that applies, and the includes that led to it. */
export interface ActiveDirective {
  readonly directive: Directive;
  readonly chain: IncludeChain;
}

export interface IgnoredLine {
  readonly text: string;
  readonly at: SourceLocation;
  readonly pattern: string;
}

export interface LoadedProfile {
  /** Every file read, in order (what `Reading profile` reports). */
  readonly files: readonly string[];
  readonly directives: readonly ActiveDirective[];
  readonly ignored: readonly IgnoredLine[];
  readonly diagnostics: readonly Diagnostic[];
}

type ParsedFile =
  | { readonly kind: 'ok'; readonly id: string; readonly lines: readonly ParsedLine[]; readonly problems: readonly LineProblem[] }
  | { readonly kind: 'error'; readonly message: string; readonly line?: number; readonly col?: number };

type LineProblem = { readonly line: number; readonly col: number; readonly message: string };

interface WalkState {
  readonly files: string[];
  readonly directives: ActiveDirective[];
  readonly ignored: IgnoredLine[];
  readonly diagnostics: Diagnostic[];
  readonly ignores: string[];
  readonly conditions: ConditionState;
  /** Identities of the files being read, outermost first: an include of one of them is a cycle. */
  readonly stack: { id: string; path: string }[];
  /** Files whose own problems have been reported; a file included twice reports them once. */
  readonly reported: Set<string>;
  includes: number;
  lines: number;
  /** Set once a limit is hit; the walk then unwinds without reading more. */
  stopped: boolean;
}

export interface ProfileLoader {
  load(request: LoadRequest): LoadedProfile;
}

export function createLoader(opts: LoaderOptions): ProfileLoader {
  const cache = new Map<string, ParsedFile>();
  // Where each include target was found. A loader serves one launch (or one benchmark run over a fixed
  // tree), so the answer cannot change under it.
  const targets = new Map<string, IncludeTarget>();

  function parseFile(path: string, text: string, id: string): ParsedFile {
    const { lines, problems } = lexProfile(text);
    const parsed: ParsedLine[] = [];
    if (problems.length > MAX_ERRORS_PER_FILE) {
      const first = problems.slice(0, MAX_ERRORS_PER_FILE);
      const next = problems[MAX_ERRORS_PER_FILE];
      return { kind: 'ok', id, lines: [], problems: [...first, { line: next?.line ?? 1, col: 1, message: 'too many errors; the file is not used' }] };
    }
    const all: LineProblem[] = [...problems];
    let errors = problems.length;
    const parser = new LineParser(path, opts.env);
    for (const l of lines) {
      const p = parser.parse(l);
      if (p.body.kind === 'invalid' && ++errors > MAX_ERRORS_PER_FILE) {
        all.push({ line: l.line, col: 1, message: `too many errors; the rest of the file is not read` });
        break;
      }
      parsed.push(p);
    }
    return { kind: 'ok', id, lines: parsed, problems: all };
  }

  function read(located: Located): ParsedFile {
    const hit = cache.get(located.path);
    if (hit !== undefined) return hit;
    let parsed: ParsedFile;
    if (located.kind === 'builtin') {
      parsed = parseFile(located.path, located.text, located.path);
    } else {
      const r = readProfileFile(located.path);
      switch (r.kind) {
        case 'text':
          parsed = parseFile(located.path, r.text, r.id);
          break;
        case 'missing':
          parsed = { kind: 'error', message: 'does not exist' };
          break;
        case 'error':
          parsed = r;
          break;
      }
    }
    cache.set(located.path, parsed);
    return parsed;
  }

  function walk(located: Located, chain: IncludeChain, st: WalkState): void {
    const file = located.path;
    const parsed = read(located);
    if (parsed.kind === 'error') {
      const d = fileError(file, parsed.message, chain);
      st.diagnostics.push(parsed.line === undefined ? d : { ...d, line: parsed.line, col: parsed.col ?? 1 });
      return;
    }
    st.files.push(file);
    st.stack.push({ id: parsed.id, path: file });
    const firstVisit = !st.reported.has(file);
    st.reported.add(file);
    // File-level problems (from the lexer) are reported in line order among the line errors.
    let nextProblem = firstVisit ? 0 : parsed.problems.length;
    const flushProblems = (upTo: number): void => {
      for (; nextProblem < parsed.problems.length; nextProblem++) {
        const p = parsed.problems[nextProblem];
        if (p === undefined || p.line > upTo) break;
        st.diagnostics.push(errorAt({ file, line: p.line, col: p.col }, p.message, chain));
      }
    };
    for (const pl of parsed.lines) {
      if (st.stopped) break;
      if (nextProblem < parsed.problems.length) flushProblems(pl.line);
      if (++st.lines > MAX_LINES) {
        stop(st, errorAt({ file, line: pl.line, col: 1 }, `the profile and its includes exceed ${MAX_LINES} lines`, chain));
        break;
      }
      const pattern = st.ignores.length === 0 ? undefined : matchIgnore(st.ignores, pl.text);
      if (pattern !== undefined) {
        st.ignored.push({ text: pl.text, at: { file, line: pl.line, col: pl.col }, pattern });
        continue;
      }
      if (firstVisit && pl.warnings.length > 0) for (const w of pl.warnings) st.diagnostics.push(warningAt({ file, line: pl.line, col: w.col }, w.message, chain));
      const body = pl.body;
      if (body.kind === 'invalid') {
        if (firstVisit) st.diagnostics.push(errorAt({ file, line: pl.line, col: body.col }, body.message, chain));
        continue;
      }
      if (pl.conditions.length > 0 && !holds(pl.conditions, st.conditions, opts.config)) continue;
      switch (body.kind) {
        case 'ignore':
          st.ignores.push(body.pattern);
          break;
        case 'include':
          include(body.target, { file, line: pl.line, col: body.col }, chain, st);
          break;
        default:
          observe(st.conditions, body);
          st.directives.push({ directive: body, chain });
          break;
      }
    }
    flushProblems(Infinity);
    st.stack.pop();
  }

  function include(target: string, site: SourceLocation, chain: IncludeChain, st: WalkState): void {
    let resolved = targets.get(target);
    if (resolved === undefined) {
      resolved = resolveInclude(target, opts.env, opts.search);
      targets.set(target, resolved);
    }
    switch (resolved.kind) {
      case 'error':
        st.diagnostics.push(errorAt(site, resolved.message, chain));
        return;
      case 'missing':
        if (!resolved.silent) st.diagnostics.push(errorAt(site, resolved.message, chain));
        return;
      case 'found':
        break;
    }
    if (++st.includes > MAX_INCLUDES) {
      stop(st, errorAt(site, `more than ${MAX_INCLUDES} includes; is a profile including itself over and over?`, chain));
      return;
    }
    const inner: IncludeChain = [site, ...chain];
    if (inner.length > MAX_INCLUDE_DEPTH) {
      stop(st, errorAt(site, `includes are nested more than ${MAX_INCLUDE_DEPTH} deep`, chain));
      return;
    }
    const parsed = read(resolved.located);
    if (parsed.kind === 'ok') {
      const open = st.stack.findIndex((f) => f.id === parsed.id);
      if (open >= 0) {
        const cycle = [...st.stack.slice(open).map((f) => f.path), resolved.located.path].join(' → ');
        st.diagnostics.push(errorAt(site, `include cycle: ${cycle}`, chain));
        return;
      }
    }
    walk(resolved.located, inner, st);
  }

  return {
    load(request: LoadRequest): LoadedProfile {
      const st: WalkState = {
        files: [],
        directives: [],
        ignored: [],
        diagnostics: [],
        ignores: [...request.ignores],
        conditions: { ...request.conditions },
        stack: [],
        reported: new Set(),
        includes: 0,
        lines: 0,
        stopped: false,
      };
      for (const source of request.sources) if (!st.stopped) walk(source, [], st);
      return { files: st.files, directives: st.directives, ignored: st.ignored, diagnostics: st.diagnostics };
    },
  };
}

// NOTE: plain loops in these per-line helpers: a closure in the line loop would make JavaScriptCore
// allocate a scope object for every line.

/** The first `ignore` pattern that matches a line: the whole line, or its first words. */
function matchIgnore(patterns: readonly string[], text: string): string | undefined {
  for (const p of patterns) if (text.startsWith(p) && (text.length === p.length || text.charCodeAt(p.length) === 0x20)) return p;
  return undefined;
}

function holds(conditions: readonly ConditionName[], state: ConditionState, config: () => GlobalConfig): boolean {
  for (const c of conditions) if (!evaluateCondition(c, state, config)) return false;
  return true;
}

function stop(st: WalkState, d: Diagnostic): void {
  st.diagnostics.push(d);
  st.stopped = true;
}
