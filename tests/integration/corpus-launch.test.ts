/**
 * Every profile Debian's firejail package ships, launched with `true` under kiln and under firejail: kiln
 * must start (exit 0) whenever firejail does. Slow (two launches per profile, ~1,200 profiles), so it runs
 * the profiles four at a time. Skipped, visibly, when firejail is not installed.
 */
import { describe, expect, test } from 'bun:test';
import { existsSync, readdirSync } from 'node:fs';
import { hasCommand } from '../lib/run.ts';
import { homedir } from 'node:os';
import { CORPUS, removeCreatedSince, runCorpus } from '../lib/corpus.ts';

const available = existsSync(`${CORPUS}/firejail.config`) && hasCommand('firejail');

describe.skipIf(!available)('every Debian profile launches under kiln when it does under firejail', () => {
  test(
    'no profile starts under firejail and fails under kiln',
    async () => {
      const names = readdirSync(CORPUS).filter((f) => f.endsWith('.profile'));
      const since = Date.now();
      const home = homedir();
      let results: Awaited<ReturnType<typeof runCorpus>>;
      try {
        results = await runCorpus(names, 4);
      } finally {
        // firejail creates the profiles' mkdir/mkfile paths in the passwd home whatever $HOME says
        removeCreatedSince(home, since);
      }
      const firejailStarts = results.filter((r) => r.firejail === 0);
      // The comparison means something only if firejail itself starts a good share of them.
      expect(firejailStarts.length).toBeGreaterThan(300);
      const regressions = firejailStarts.filter((r) => r.kiln !== 0).map((r) => `${r.name}: exit ${r.kiln}: ${r.kilnErr.trim()}`);
      expect(regressions).toEqual([]);
    },
    30 * 60_000,
  );
});
