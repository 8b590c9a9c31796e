/**
 * Test helpers for the profile language: temporary profile trees, a fixed macro environment, a loader
 * over chosen directories. Imported by tests only.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { initialConditions, type ConditionState } from './conditions.ts';
import { DEFAULT_CONFIG, type GlobalConfig } from './config.ts';
import { createLoader, type LoadedProfile } from './load.ts';
import type { MacroEnv, XdgMacro } from './macros.ts';
import type { SearchPath } from './search.ts';

export interface Tree {
  readonly root: string;
  path(rel: string): string;
  write(rel: string, content: string | Uint8Array): string;
  cleanup(): void;
}

/** A temporary directory holding `files` (relative path → content). */
export function makeTree(files: Readonly<Record<string, string | Uint8Array>> = {}): Tree {
  const root = mkdtempSync(join(tmpdir(), 'kiln-profile-'));
  const tree: Tree = {
    root,
    path: (rel) => join(root, rel),
    write: (rel, content) => {
      const p = join(root, rel);
      mkdirSync(dirname(p), { recursive: true });
      writeFileSync(p, content);
      return p;
    },
    cleanup: () => rmSync(root, { recursive: true, force: true }),
  };
  for (const [rel, content] of Object.entries(files)) tree.write(rel, content);
  return tree;
}

/** A macro environment with no I/O: home /home/u, uid 1000, two binary directories. */
export function fakeEnv(overrides: Partial<MacroEnv> = {}, xdg: Partial<Record<XdgMacro, string>> = {}): MacroEnv {
  return {
    home: '/home/u',
    runUser: '/run/user/1000',
    cfg: '/etc/kiln',
    pathDirs: ['/usr/bin', '/usr/sbin'],
    xdgDir: (name) => xdg[name],
    ...overrides,
  };
}

export function searchIn(dirs: readonly string[], builtins: ReadonlyMap<string, string> = new Map(), systemDirs: readonly string[] = dirs): SearchPath {
  return { dirs, systemDirs, builtins };
}

export interface LoadOptions {
  readonly env?: MacroEnv;
  readonly builtins?: ReadonlyMap<string, string>;
  readonly ignores?: readonly string[];
  readonly conditions?: ConditionState;
  readonly config?: GlobalConfig;
}

/** Loads `file` (a path in the tree) with the tree's root as the only profile directory. */
export function loadFrom(tree: Tree, file: string, opts: LoadOptions = {}): LoadedProfile {
  const loader = createLoader({
    env: opts.env ?? fakeEnv(),
    search: searchIn([tree.root], opts.builtins),
    config: () => opts.config ?? DEFAULT_CONFIG,
  });
  return loader.load({
    sources: [{ kind: 'file', path: tree.path(file) }],
    ignores: opts.ignores ?? [],
    conditions: opts.conditions ?? initialConditions(false),
  });
}

/** `kind` of each directive, for compact assertions. */
export function kinds(p: LoadedProfile): string[] {
  return p.directives.map((d) => d.directive.kind);
}

/** Error messages (without positions). */
export function errors(p: LoadedProfile): string[] {
  return p.diagnostics.filter((d) => d.severity === 'error').map((d) => d.message);
}
