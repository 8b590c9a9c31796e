/**
 * Corpus benchmark: resolve every profile Firejail ships (parse, includes, conditions, policy), the way
 * kiln would for a launch, and report the time for the whole corpus plus the not-enforced commands.
 *
 *   ./node_modules/.bin/bun bench/profiles-corpus.ts [runs] [dir]      (default: 5 runs, /etc/firejail)
 *
 * Each run uses a fresh loader, so every run reads and parses every file again; include files are
 * parsed once per run and shared by the profiles that include them, as one kiln process would.
 */
import { existsSync, readdirSync } from 'node:fs';
import { resolvePolicy } from '../src/policy/resolve.ts';
import { BUILTIN_PROFILES } from '../src/profile/builtin.ts';
import { initialConditions } from '../src/profile/conditions.ts';
import { loadGlobalConfig } from '../src/profile/config.ts';
import { buildMacroEnv } from '../src/profile/env.ts';
import { createLoader } from '../src/profile/load.ts';

const runs = Number(process.argv[2] ?? 5);
const dir = process.argv[3] ?? '/etc/firejail';
if (!existsSync(dir)) {
  console.error(`bench: ${dir} does not exist; install firejail (apt-get install firejail) or name a directory`);
  process.exit(2);
}
const names = readdirSync(dir).filter((f) => f.endsWith('.profile')).sort();
const config = loadGlobalConfig().config;

interface RunResult {
  ms: number;
  errors: number;
  warnings: number;
  directives: number;
  rules: number;
  notEnforced: Map<string, number>;
}

function resolveCorpus(): RunResult {
  const started = performance.now();
  const loader = createLoader({
    env: buildMacroEnv('/nonexistent/kiln-bench-home', 1000, '/usr/local/bin:/usr/bin:/bin'),
    search: { dirs: [dir], systemDirs: [dir], builtins: BUILTIN_PROFILES },
    config: () => config,
  });
  const r: RunResult = { ms: 0, errors: 0, warnings: 0, directives: 0, rules: 0, notEnforced: new Map() };
  for (const name of names) {
    const loaded = loader.load({ sources: [{ kind: 'file', path: `${dir}/${name}` }], ignores: [], conditions: initialConditions(false) });
    const resolved = resolvePolicy({ profile: loaded.directives, cli: [], files: loaded.files, ignored: loaded.ignored });
    for (const d of [...loaded.diagnostics, ...resolved.diagnostics]) {
      if (d.severity === 'error') r.errors++;
      else r.warnings++;
    }
    r.directives += loaded.directives.length;
    r.rules += resolved.policy.fs.length;
    // What a launch would warn about: each command once per profile.
    for (const c of new Set(resolved.policy.notEnforced.map((n) => n.command))) r.notEnforced.set(c, (r.notEnforced.get(c) ?? 0) + 1);
  }
  r.ms = performance.now() - started;
  return r;
}

const results = Array.from({ length: runs }, resolveCorpus);
const times = results.map((r) => r.ms).sort((a, b) => a - b);
const median = times[Math.floor(times.length / 2)] ?? 0;
const first = results[0];
if (first === undefined) process.exit(2);

console.log(`profiles:            ${names.length} in ${dir}`);
console.log(`directives folded:   ${first.directives} (${first.rules} filesystem rules)`);
console.log(`errors, warnings:    ${first.errors}, ${first.warnings}`);
console.log(`first run:           ${first.ms.toFixed(0)} ms`);
console.log(`median of ${runs}:         ${median.toFixed(0)} ms (min ${times[0]?.toFixed(0)}, max ${times[times.length - 1]?.toFixed(0)})`);
console.log('not enforced yet (profiles that would warn, by command):');
for (const [c, n] of [...first.notEnforced].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))) console.log(`  ${c.padEnd(26)} ${n}`);
