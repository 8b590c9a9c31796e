/**
 * Launches every profile of Debian's firejail package with both sandboxes:
 *   kiln --quiet --profile=PATH true   and   firejail --quiet --profile=PATH true
 * and counts how many start and exit 0 under each. kiln must start whenever firejail does.
 *   bun bench/corpus-launch.ts [--jobs=N] [--json=FILE]
 */
import { readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';

const CORPUS = '/etc/firejail';
const KILN = process.env['KILN_BIN'] ?? resolve(import.meta.dir, '../dist/kiln');
const jobs = Number(process.argv.find((a) => a.startsWith('--jobs='))?.slice(7) ?? 4);
const jsonOut = process.argv.find((a) => a.startsWith('--json='))?.slice(7);

export interface CorpusResult {
  readonly name: string;
  readonly kiln: number;
  readonly firejail: number;
  readonly kilnErr: string;
}

async function exitCode(argv: string[]): Promise<{ code: number; err: string }> {
  const p = Bun.spawn(argv, { stdout: 'ignore', stderr: 'pipe', stdin: 'ignore', env: { ...process.env, HOME: process.env['HOME'] ?? '/root' } });
  const timer = setTimeout(() => p.kill('SIGKILL'), 20_000);
  const err = await new Response(p.stderr).text();
  const code = await p.exited;
  clearTimeout(timer);
  return { code, err: err.slice(0, 300) };
}

export async function runCorpus(names: readonly string[], concurrency: number): Promise<CorpusResult[]> {
  const out: CorpusResult[] = [];
  let next = 0;
  const worker = async () => {
    while (next < names.length) {
      const name = names[next++] as string;
      const path = join(CORPUS, name);
      const k = await exitCode([KILN, '--quiet', `--profile=${path}`, 'true']);
      const f = await exitCode(['firejail', '--quiet', `--profile=${path}`, 'true']);
      out.push({ name, kiln: k.code, firejail: f.code, kilnErr: k.err });
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return out.sort((a, b) => a.name.localeCompare(b.name));
}

if (import.meta.main) {
  const names = readdirSync(CORPUS).filter((f) => f.endsWith('.profile'));
  const start = performance.now();
  const results = await runCorpus(names, jobs);
  const kilnOk = results.filter((r) => r.kiln === 0).length;
  const fjOk = results.filter((r) => r.firejail === 0).length;
  const regressions = results.filter((r) => r.firejail === 0 && r.kiln !== 0);
  console.log(`profiles: ${results.length}; firejail starts ${fjOk}; kiln starts ${kilnOk}; kiln fails where firejail starts: ${regressions.length} (${((performance.now() - start) / 1000).toFixed(0)} s)`);
  for (const r of regressions) console.log(`  ${r.name}: kiln exit ${r.kiln}: ${r.kilnErr.split('\n').filter((l) => l.trim() !== '').slice(-2).join(' | ')}`);
  if (jsonOut !== undefined) await Bun.write(jsonOut, JSON.stringify(results, null, 1));
}
