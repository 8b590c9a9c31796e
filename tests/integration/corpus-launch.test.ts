/**
 * Every profile Debian's firejail package ships, launched with `true` under kiln and under firejail: kiln
 * must start (exit 0) whenever firejail does; and a shell probe must pass under kiln whenever it does under
 * firejail. Slow (two launches per profile, ~1,200 profiles), so it runs
 * the profiles four at a time. Skipped, visibly, when firejail is not installed.
 */
import { describe, expect, test } from 'bun:test';
import { existsSync, readdirSync } from 'node:fs';
import { hasCommand } from '../lib/run.ts';
import { homedir } from 'node:os';
import { CORPUS, removeCreatedSince, runCorpus, SHELL_PROBE } from '../lib/corpus.ts';

const available = existsSync(`${CORPUS}/firejail.config`) && hasCommand('firejail');

/**
 * Runs every profile under kiln and firejail, and returns the profiles that passed under firejail but not
 * under kiln (with kiln's exit code and message); checks that firejail passed enough of them for the
 * comparison to mean something.
 */
async function regressions(run: Parameters<typeof runCorpus>[2] = {}): Promise<string[]> {
  const names = readdirSync(CORPUS).filter((f) => f.endsWith('.profile'));
  const since = Date.now();
  let results: Awaited<ReturnType<typeof runCorpus>>;
  try {
    results = await runCorpus(names, 4, run);
  } finally {
    // firejail creates the profiles' mkdir/mkfile paths in the passwd home whatever $HOME says
    removeCreatedSince(homedir(), since);
  }
  const firejailPasses = results.filter((r) => r.firejail === 0);
  expect(firejailPasses.length).toBeGreaterThan(300);
  return firejailPasses.filter((r) => r.kiln !== 0).map((r) => `${r.name}: exit ${r.kiln}: ${r.kilnErr.trim()}`);
}

describe.skipIf(!available)('every Debian profile launches under kiln when it does under firejail', () => {
  test('no profile starts under firejail and fails under kiln', async () => expect(await regressions()).toEqual([]), 30 * 60_000);

  test(
    'where a shell finds /dev, /etc/passwd, / and its home under firejail, it does under kiln',
    async () => expect(await regressions(SHELL_PROBE)).toEqual([]),
    30 * 60_000,
  );
});
