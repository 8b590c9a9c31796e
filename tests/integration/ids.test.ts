/**
 * --ids-init and --ids-check on a tree of our own: the configuration (KILN_IDS_CONFIG) lists a temporary
 * tree with a nested directory and exclusions, and the database goes to a temporary state directory
 * (KILN_IDS_DB, or XDG_STATE_HOME for a user). Judged by exit codes, the database file, and the paths of
 * the report lines on stdout.
 */
import { afterEach, beforeEach, describe, expect, test } from 'bun:test';
import { chmodSync, existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { IS_ROOT, STACK_FRAME, kiln, run, tempDir, type Result } from '../lib/run.ts';

const DIFFERENCES = 2;
const HOME = process.env['HOME'] ?? '/';

/** Where kiln would write without the overrides; a test must leave them as they were. */
const DEFAULT_DBS = IS_ROOT ? ['/var/lib/kiln/ids.json'] : [join(process.env['XDG_STATE_HOME'] ?? join(HOME, '.local/state'), 'kiln/ids.json')];

function fingerprint(path: string): string {
  const st = lstatSync(path, { throwIfNoEntry: false });
  return st === undefined ? 'absent' : `${st.ino}:${st.size}:${st.mtimeMs}`;
}

let t: ReturnType<typeof tempDir>;
let tree: string;
let db: string;
let env: Record<string, string>;
let before: string[];

beforeEach(() => {
  before = DEFAULT_DBS.map(fingerprint);
  t = tempDir('kiln-ids-');
  tree = join(t.path, 'tree');
  mkdirSync(join(tree, 'nested/deeper'), { recursive: true });
  mkdirSync(join(tree, 'nested/excluded'), { recursive: true });
  writeFileSync(join(tree, 'keep.txt'), 'keep\n');
  writeFileSync(join(tree, 'change.txt'), 'before\n');
  writeFileSync(join(tree, 'gone.txt'), 'gone\n');
  writeFileSync(join(tree, 'skip.log'), 'log\n');
  writeFileSync(join(tree, 'nested/deeper/inner.txt'), 'inner\n');
  writeFileSync(join(tree, 'nested/excluded/secret.txt'), 'secret\n');
  symlinkSync('keep.txt', join(tree, 'link'));
  writeFileSync(join(t.path, 'ids.config'), `# test tree\ninclude local.config\n${tree}\n!${tree}/nested/excluded # a directory\n`);
  writeFileSync(join(t.path, 'local.config'), `!${tree}/*.log\n`);
  db = join(t.path, 'state/kiln/ids.json');
  env = { KILN_IDS_CONFIG: join(t.path, 'ids.config'), KILN_IDS_DB: db };
});

afterEach(() => {
  t.cleanup();
  // Nothing outside the temporary directories: the default databases are as they were.
  expect(DEFAULT_DBS.map(fingerprint)).toEqual(before);
});

function ids(mode: 'init' | 'check', extraEnv: Record<string, string> = env): Result {
  const r = kiln([`--ids-${mode}`], { env: extraEnv, timeoutMs: 60_000 });
  expect(r.stderr).not.toMatch(STACK_FRAME);
  return r;
}

/** The report's lines as `kind path`; every stdout line must be one. */
function reported(r: Result): string[] {
  const lines = r.stdout.split('\n').filter((l) => l !== '');
  return lines.map((l) => {
    const m = /^Warning: (modified|new file|removed|permissions) (.*?)(: old \S+ \d+:\d+, new \S+ \d+:\d+)?$/.exec(l);
    if (m === null) throw new Error(`not a report line: ${l}`);
    return `${m[1]} ${m[2]}`;
  });
}

function dbPaths(): string[] {
  const doc = JSON.parse(readFileSync(db, 'utf8')) as { entries: { path: string }[] };
  return doc.entries.map((e) => e.path);
}

describe('kiln --ids-init / --ids-check', () => {
  test('init writes a 0600 database of the tree, without the excluded paths', () => {
    const r = ids('init');
    expect(r.code).toBe(0);
    const st = lstatSync(db);
    expect(st.isFile()).toBe(true);
    expect(st.mode & 0o7777).toBe(0o600);
    expect(st.uid).toBe(process.getuid?.() ?? -1);
    // Only the database in the state directory: no temporary file left behind.
    expect(readdirSync(join(t.path, 'state/kiln'))).toEqual(['ids.json']);
    const paths = dbPaths();
    for (const p of ['', '/keep.txt', '/link', '/nested', '/nested/deeper', '/nested/deeper/inner.txt']) expect(paths).toContain(tree + p);
    for (const p of ['/skip.log', '/nested/excluded', '/nested/excluded/secret.txt']) expect(paths).not.toContain(tree + p);
  });

  test('an unchanged tree checks clean (exit 0, no report lines)', () => {
    expect(ids('init').code).toBe(0);
    const r = ids('check');
    expect(r.code).toBe(0);
    expect(reported(r)).toEqual([]);
  });

  test('a modified, a new and a removed file are reported, exactly those', () => {
    expect(ids('init').code).toBe(0);
    writeFileSync(join(tree, 'change.txt'), 'after\n');
    writeFileSync(join(tree, 'nested/deeper/new.txt'), 'new\n');
    rmSync(join(tree, 'gone.txt'));
    // Changes under exclusions are not reported (the changes above are the control).
    writeFileSync(join(tree, 'nested/excluded/secret.txt'), 'changed\n');
    writeFileSync(join(tree, 'skip.log'), 'more log\n');
    const r = ids('check');
    expect(r.code).toBe(DIFFERENCES);
    expect(reported(r).sort()).toEqual([`modified ${tree}/change.txt`, `new file ${tree}/nested/deeper/new.txt`, `removed ${tree}/gone.txt`].sort());
  });

  test('a mode change and a retargeted symlink are reported', () => {
    expect(ids('init').code).toBe(0);
    chmodSync(join(tree, 'keep.txt'), 0o4755);
    rmSync(join(tree, 'link'));
    symlinkSync('change.txt', join(tree, 'link'));
    const r = ids('check');
    expect(r.code).toBe(DIFFERENCES);
    expect(reported(r).sort()).toEqual([`modified ${tree}/link`, `permissions ${tree}/keep.txt`]);
  });

  test('init again adopts the changes: the next check is clean', () => {
    expect(ids('init').code).toBe(0);
    writeFileSync(join(tree, 'change.txt'), 'after\n');
    expect(ids('check').code).toBe(DIFFERENCES);
    expect(ids('init').code).toBe(0);
    expect(ids('check').code).toBe(0);
  });

  test('a FIFO in the tree is recorded without being opened (init and check end)', () => {
    expect(run(['mkfifo', join(tree, 'nested/fifo')]).code).toBe(0);
    expect(ids('init').code).toBe(0);
    expect(dbPaths()).toContain(`${tree}/nested/fifo`);
    expect(ids('check').code).toBe(0);
  });

  test('without a database, check is an error and writes none', () => {
    const r = ids('check');
    expect(r.code).toBe(1);
    expect(existsSync(db)).toBe(false);
    expect(ids('init').code).toBe(0); // control: the same setup works once initialized
    expect(ids('check').code).toBe(0);
  });

  test('a missing or broken configuration is an error', () => {
    expect(ids('init', { ...env, KILN_IDS_CONFIG: join(t.path, 'none.config') }).code).toBe(1);
    writeFileSync(join(t.path, 'bad.config'), 'relative/path\n');
    expect(ids('init', { ...env, KILN_IDS_CONFIG: join(t.path, 'bad.config') }).code).toBe(1);
    expect(existsSync(db)).toBe(false);
    expect(ids('init').code).toBe(0); // control
  });

  test('a damaged database is an error, not a report', () => {
    expect(ids('init').code).toBe(0);
    writeFileSync(db, '{"format":"kiln-ids"', { mode: 0o600 });
    expect(ids('check').code).toBe(1);
  });

  test('--ids-check takes no program', () => {
    expect(kiln(['--ids-check', '/bin/true'], { env }).code).toBe(1);
  });

  test.skipIf(IS_ROOT)('a user: the database goes to $XDG_STATE_HOME/kiln (skipped as root, whose database is /var/lib/kiln)', () => {
    const state = join(t.path, 'xdg-state');
    const userEnv = { KILN_IDS_CONFIG: env['KILN_IDS_CONFIG'] ?? '', KILN_IDS_DB: '', XDG_STATE_HOME: state };
    expect(ids('init', userEnv).code).toBe(0);
    expect(lstatSync(join(state, 'kiln/ids.json')).mode & 0o777).toBe(0o600);
    expect(ids('check', userEnv).code).toBe(0);
  });

  test.skipIf(IS_ROOT)('a user: files they cannot read are recorded and do not stop the scan (skipped as root, who reads everything)', () => {
    writeFileSync(join(tree, 'closed.txt'), 'closed\n', { mode: 0o000 });
    mkdirSync(join(tree, 'closed-dir'), { mode: 0o000 });
    try {
      const r = ids('init');
      expect(r.code).toBe(0);
      expect(dbPaths()).toEqual(expect.arrayContaining([`${tree}/closed.txt`, `${tree}/closed-dir`, `${tree}/keep.txt`]));
      expect(ids('check').code).toBe(0);
      chmodSync(join(tree, 'closed.txt'), 0o644); // now readable: the recorded state no longer holds
      expect(reported(ids('check'))).toEqual([`modified ${tree}/closed.txt`, `permissions ${tree}/closed.txt`]);
    } finally {
      chmodSync(join(tree, 'closed-dir'), 0o700);
    }
  });
});
