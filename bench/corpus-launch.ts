/**
 * Launches every profile of Debian's firejail package with both sandboxes:
 *   kiln --quiet --profile=PATH true   and   firejail --quiet --profile=PATH true
 * and counts how many start and exit 0 under each. kiln must start whenever firejail does.
 *   bun bench/corpus-launch.ts [--jobs=N] [--json=FILE] [--probe]   (as root and as an unprivileged user)
 * With --probe, each runs tests/lib/corpus.ts's SHELL_PROBE instead of true.
 */
import { readdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { CORPUS, removeCreatedSince, runCorpus, SHELL_PROBE } from '../tests/lib/corpus.ts';

const jobs = Number(process.argv.find((a) => a.startsWith('--jobs='))?.slice(7) ?? 4);
const jsonOut = process.argv.find((a) => a.startsWith('--json='))?.slice(7);
const probe = process.argv.includes('--probe');

const names = readdirSync(CORPUS).filter((f) => f.endsWith('.profile'));
const start = performance.now();
const since = Date.now();
let results: Awaited<ReturnType<typeof runCorpus>>;
try {
  results = await runCorpus(names, jobs, probe ? SHELL_PROBE : {});
} finally {
  removeCreatedSince(homedir(), since); // what the profiles' mkdir/mkfile made in the home
}
const kilnOk = results.filter((r) => r.kiln === 0).length;
const fjOk = results.filter((r) => r.firejail === 0).length;
const regressions = results.filter((r) => r.firejail === 0 && r.kiln !== 0);
console.log(
  `profiles: ${results.length}${probe ? ' (shell probe)' : ''}; firejail passes ${fjOk}; kiln passes ${kilnOk}; ` +
    `kiln fails where firejail passes: ${regressions.length} (${((performance.now() - start) / 1000).toFixed(0)} s)`,
);
for (const r of regressions) console.log(`  ${r.name}: kiln exit ${r.kiln}: ${r.kilnErr.split('\n').filter((l) => l.trim() !== '').slice(-2).join(' | ')}`);
if (jsonOut !== undefined) await Bun.write(jsonOut, JSON.stringify(results, null, 1));
