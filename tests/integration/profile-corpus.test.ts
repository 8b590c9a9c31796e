/**
 * Firejail's own profiles, as Debian ships them: every one must resolve without an error. Runs when the
 * firejail package is installed (/etc/firejail); otherwise the suite shows as skipped.
 */
import { describe, expect, test } from 'bun:test';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { resolvePolicy } from '../../src/policy/resolve.ts';
import { CONDITIONS, initialConditions } from '../../src/profile/conditions.ts';
import { loadGlobalConfig } from '../../src/profile/config.ts';
import { formatDiagnostic } from '../../src/profile/diagnostics.ts';
import { buildMacroEnv } from '../../src/profile/env.ts';
import { createLoader } from '../../src/profile/load.ts';
import { BUILTIN_PROFILES } from '../../src/profile/builtin.ts';

const CORPUS = '/etc/firejail';
const installed = existsSync(`${CORPUS}/firejail.config`);

/**
 * Profiles that Firejail 0.9.72 itself refuses, with the reason. Each entry is checked: once the package
 * fixes the file, the test fails and the entry must go.
 */
const BROKEN_UPSTREAM: Readonly<Record<string, { readonly missing: string }>> = {
  // Includes chrome-common-hardened.inc.profile, which the package does not ship (renamed to
  // chromium-common-hardened.inc.profile); `firejail --profile=…` fails the same way.
  'electron-hardened.inc.profile': { missing: 'chrome-common-hardened.inc.profile' },
};

describe.skipIf(!installed)(`Firejail's profiles in ${CORPUS}`, () => {
  // A home without profiles of its own, so that only the package's files are read.
  const home = '/nonexistent/kiln-corpus-home';
  const loader = createLoader({
    env: buildMacroEnv(home, 1000, '/usr/local/bin:/usr/bin:/bin'),
    search: { dirs: [CORPUS], systemDirs: [CORPUS], builtins: BUILTIN_PROFILES },
    config: () => loadGlobalConfig().config,
  });
  const names = installed ? readdirSync(CORPUS).filter((f) => f.endsWith('.profile')).sort() : [];

  test('there are profiles to check', () => expect(names.length).toBeGreaterThan(1000));

  test('every profile resolves with zero errors', () => {
    const failures: string[] = [];
    for (const name of names) {
      const loaded = loader.load({ sources: [{ kind: 'file', path: `${CORPUS}/${name}` }], ignores: [], conditions: initialConditions(false) });
      const resolved = resolvePolicy({ profile: loaded.directives, cli: [], files: loaded.files, ignored: loaded.ignored });
      const errs = [...loaded.diagnostics, ...resolved.diagnostics].filter((d) => d.severity === 'error');
      const broken = BROKEN_UPSTREAM[name];
      if (broken !== undefined) {
        expect(existsSync(`${CORPUS}/${broken.missing}`)).toBe(false);
        expect(errs.map((d) => d.message)).toEqual([expect.stringContaining(`include file '${broken.missing}' not found`)]);
        continue;
      }
      for (const d of errs) failures.push(formatDiagnostic(d));
    }
    expect(failures).toEqual([]);
  });

  test('every condition the corpus uses is one kiln evaluates', () => {
    const seen = new Set<string>();
    for (const name of readdirSync(CORPUS).filter((f) => f.endsWith('.profile') || f.endsWith('.inc'))) {
      for (const m of readFileSync(`${CORPUS}/${name}`, 'utf8').matchAll(/^\s*\?([A-Z_0-9]+):/gm)) seen.add(m[1] ?? '');
    }
    expect(seen.size).toBeGreaterThan(0);
    for (const c of seen) expect(CONDITIONS).toContain(c as (typeof CONDITIONS)[number]);
  });
});
