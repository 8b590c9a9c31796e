/**
 * The layout's two rules, checked over every import in src: no import cycles (type-only imports count,
 * since a cycle of types is still two files that cannot be read apart), and no lower layer importing
 * src/cli.
 */
import { describe, expect, test } from 'bun:test';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const SRC = resolve(import.meta.dir);

function sources(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...sources(p));
    else if (e.name.endsWith('.ts') && !e.name.endsWith('.test.ts')) out.push(p);
  }
  return out;
}

/** Relative imports of one file, static and dynamic, as absolute paths. */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const specs = [...text.matchAll(/(?:from|import)\s*\(?\s*'(\.[^']+\.ts)'/g)].map((m) => m[1] ?? '');
  return specs.map((s) => resolve(dirname(file), s));
}

const files = sources(SRC);
const graph = new Map(files.map((f) => [f, importsOf(f)]));
const rel = (f: string) => relative(SRC, f);

describe('src layout', () => {
  test('the checker sees the imports (control)', () => {
    expect(graph.get(join(SRC, 'cli/main.ts'))?.map(rel)).toContain('errors.ts');
    expect(files.length).toBeGreaterThan(50);
  });

  test('no import cycles', () => {
    const cycles: string[] = [];
    const state = new Map<string, 'open' | 'done'>();
    const stack: string[] = [];
    const visit = (f: string): void => {
      state.set(f, 'open');
      stack.push(f);
      for (const g of graph.get(f) ?? []) {
        if (state.get(g) === 'open') cycles.push([...stack.slice(stack.indexOf(g)), g].map(rel).join(' → '));
        else if (state.get(g) === undefined && graph.has(g)) visit(g);
      }
      stack.pop();
      state.set(f, 'done');
    };
    for (const f of files) if (state.get(f) === undefined) visit(f);
    expect(cycles).toEqual([]);
  });

  test('no layer below the CLI imports src/cli', () => {
    const below = ['profile/', 'policy/', 'seccomp/', 'plan/', 'host/', 'launch/', 'registry/', 'helpers/', 'sys/', 'cache/'];
    const climbing = files
      .filter((f) => below.some((b) => rel(f).startsWith(b)))
      .flatMap((f) => (graph.get(f) ?? []).filter((g) => rel(g).startsWith('cli/')).map((g) => `${rel(f)} → ${rel(g)}`));
    expect(climbing).toEqual([]);
  });
});
