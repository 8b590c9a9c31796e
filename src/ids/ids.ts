/**
 * --ids-init and --ids-check: a file-integrity database of the paths the IDS configuration lists
 * (docs/ids.md). --ids-init scans and writes the database; --ids-check scans again and reports what
 * differs, one line per path on stdout, and exits IDS_DIFFERENCES if anything does.
 */
import { UsageError } from '../errors.ts';
import type { Reporter } from '../cli/report.ts';
import { lookupPasswd } from '../host/facts.ts';
import { buildMacroEnv } from '../profile/env.ts';
import { readProfileFile, type FileRead } from '../profile/files.ts';
import { writeAll } from '../sys/fs.ts';
import { compareEntries, countDifferences, formatDifference } from './compare.ts';
import { loadIdsConfig, type IdsConfig } from './config.ts';
import { readDatabase, writeDatabase } from './database.ts';
import { configSources, databasePath } from './paths.ts';
import { scanPaths, type Scan } from './scan.ts';

/** --ids-check's exit status when it found differences (0: none; 1: an error). */
export const IDS_DIFFERENCES = 2;

function absoluteOverride(env: NodeJS.ProcessEnv, name: string): void {
  const v = env[name];
  if (v !== undefined && v !== '' && !v.startsWith('/')) throw new UsageError(`${name} must be an absolute path (got '${v}')`);
}

function sameConfig(a: IdsConfig, b: IdsConfig): boolean {
  const same = (x: readonly string[], y: readonly string[]) => x.length === y.length && x.every((v, i) => v === y[i]);
  return same(a.paths, b.paths) && same(a.exclude, b.exclude);
}

function unreadableNote(scan: Scan): string {
  return scan.problems.length === 0 ? '' : `, ${scan.problems.length} not readable`;
}

/** The profile reader's safeguards (no FIFO, no huge file, valid text), with its wording adjusted. */
function readConfigFile(path: string): FileRead {
  const r = readProfileFile(path);
  return r.kind === 'error' ? { ...r, message: r.message.replace('not a profile', 'not a configuration file') } : r;
}

export function runIds(mode: 'init' | 'check', report: Reporter): number {
  const env = process.env;
  absoluteOverride(env, 'KILN_IDS_CONFIG');
  absoluteOverride(env, 'KILN_IDS_DB');
  const uid = process.getuid?.() ?? 0;
  const home = env['HOME'] ?? lookupPasswd(uid)?.home ?? '/';
  const config = loadIdsConfig(configSources(env), readConfigFile, buildMacroEnv(home, uid, env['PATH']));
  for (const f of config.files) report.info(`Reading IDS configuration ${f}`);
  const dbPath = databasePath(uid, env, home);

  switch (mode) {
    case 'init': {
      const scan = scanPaths(config.paths, config.exclude);
      for (const p of scan.problems) report.warn(`cannot read ${p.path}: ${p.reason}`);
      writeDatabase(dbPath, { created: new Date().toISOString(), uid, config, entries: scan.entries });
      report.info(`${scan.hashed} files hashed (${scan.entries.size} paths${unreadableNote(scan)})`);
      report.info(`IDS database written to ${dbPath}`);
      return 0;
    }
    case 'check': {
      // The database first: without one there is nothing to compare, and no reason to scan.
      const db = readDatabase(dbPath, uid);
      if (!sameConfig(db.config, config)) {
        report.warn(`the IDS configuration changed since ${db.created}: paths it added show as new, paths it dropped as removed`);
      }
      const scan = scanPaths(config.paths, config.exclude);
      const diffs = compareEntries(db.entries, scan.entries);
      if (diffs.length > 0) writeAll(1, `${diffs.map(formatDifference).join('\n')}\n`);
      const n = countDifferences(diffs);
      report.info(
        `${scan.hashed} files checked (${scan.entries.size} paths${unreadableNote(scan)}): ` +
          `modified ${n.modified}, permissions ${n.permissions}, new ${n.new}, removed ${n.removed}`,
      );
      return diffs.length > 0 ? IDS_DIFFERENCES : 0;
    }
  }
}
