/**
 * `noblacklist` and `nowhitelist`: Firejail's ordering semantics. A pattern exempts the matching paths of
 * the blacklist (whitelist) rules that come after it, not those before. A command-line pattern exempts
 * every matching rule, wherever it is: Firejail reads the command line before the profile, which has the
 * same effect on the profile's rules.
 *
 * A rule with a plain path is decided here. A rule with a glob cannot be: which paths it expands to is
 * known only on the host at launch. It carries the patterns that may match one of its expansions, and
 * the planner applies them with the same matcher (fnmatch with FNM_PATHNAME; see plan/glob.ts).
 */
import type { Origin } from '../profile/diagnostics.ts';
import { hasGlob } from '../profile/paths.ts';
import { matchPath } from '../plan/glob.ts';

export type Judgement =
  | { readonly kind: 'exempt'; readonly by: Origin }
  | { readonly kind: 'keep'; readonly except: readonly string[] };

const KEEP_ALL: Judgement = { kind: 'keep', except: [] };

/** The part of a path before its first glob character. */
function literalPrefix(path: string): string {
  const i = path.search(/[*?[]/);
  return i < 0 ? path : path.slice(0, i);
}

interface GlobPattern {
  readonly pattern: string;
  readonly origin: Origin;
  /** The pattern up to its first wildcard: a path it matches starts with this. */
  readonly prefix: string;
}

const WILD = -1;

function matchAny(globs: readonly GlobPattern[] | undefined, path: string): Origin | undefined {
  if (globs === undefined) return undefined;
  for (const g of globs) if (path.startsWith(g.prefix) && matchPath(g.pattern, path)) return g.origin;
  return undefined;
}

/** A growing set of exemption patterns. */
// NOTE: no closures in these methods: they run once per rule, and a closure would cost a scope object
// per call in JavaScriptCore.
export class ExemptionSet {
  /** Plain patterns by path, for the common case of an exact match. */
  private readonly plain = new Map<string, Origin>();
  private readonly globs: GlobPattern[] = [];
  /**
   * The globs again, by the first character of their first path component (`u` for /usr/lib/libgjs*), so
   * that a rule under /home is not matched against globs under /usr. Globs whose first component is
   * itself a wildcard are under WILD.
   */
  private readonly byFirst = new Map<number, GlobPattern[]>();

  add(pattern: string, origin: Origin): void {
    this.empty = false;
    if (hasGlob(pattern)) {
      for (const g of this.globs) if (g.pattern === pattern) return;
      const prefix = literalPrefix(pattern);
      const g = { pattern, origin, prefix };
      this.globs.push(g);
      const key = prefix.length > 1 ? prefix.charCodeAt(1) : WILD;
      const bucket = this.byFirst.get(key);
      if (bucket === undefined) this.byFirst.set(key, [g]);
      else bucket.push(g);
    } else if (!this.plain.has(pattern)) {
      this.plain.set(pattern, origin);
    }
  }

  /** False until the first pattern: most rules are judged against empty sets. */
  empty = true;

  /** Whether a pattern exempts `path` outright. */
  private exempting(path: string, glob: boolean): Origin | undefined {
    if (!glob) {
      const exact = this.plain.get(path);
      if (exact !== undefined) return exact;
      if (this.globs.length === 0) return undefined;
      return matchAny(this.byFirst.get(path.charCodeAt(1)), path) ?? matchAny(this.byFirst.get(WILD), path);
    }
    // A glob rule is wholly exempt only when some pattern is the very same glob.
    for (const g of this.globs) if (g.pattern === path) return g.origin;
    return undefined;
  }

  /** The patterns that may match some expansion of the glob `path` (a superset is harmless). */
  private candidates(path: string, out: string[]): void {
    const prefix = literalPrefix(path);
    for (const p of this.plain.keys()) if (p.startsWith(prefix) && matchPath(path, p)) out.push(p);
    for (const g of this.globs) if (g.prefix.startsWith(prefix) || prefix.startsWith(g.prefix)) out.push(g.pattern);
  }

  /** Judges a rule's path against the sets in force; `glob` is hasGlob(path), which the caller knows. */
  static judge(path: string, glob: boolean, sets: readonly ExemptionSet[]): Judgement {
    for (const s of sets) {
      const by = s.empty ? undefined : s.exempting(path, glob);
      if (by !== undefined) return { kind: 'exempt', by };
    }
    if (!glob) return KEEP_ALL;
    const except: string[] = [];
    for (const s of sets) if (!s.empty) s.candidates(path, except);
    return except.length === 0 ? KEEP_ALL : { kind: 'keep', except: [...new Set(except)] };
  }
}
