/**
 * kiln's firecfg (src/firecfg/firecfg.ts), run as the real binary against a temporary bin directory
 * (--bindir), a fake PATH of small scripts, a fake HOME and XDG_DATA_HOME, and a fake system
 * applications directory (--applications-dir): the results do not depend on what is installed here.
 */
import { afterAll, describe, expect, test } from 'bun:test';
import { accessSync, chmodSync, constants, existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, realpathSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { IS_ROOT, KILN, run, STACK_FRAME, tempDir, type Result } from '../lib/run.ts';

/** One line per entry under `root` (recursive): what it is, its node, and what it holds or points to. */
function snapshot(root: string, contents: boolean): string[] {
  if (!existsSync(root)) return [`${root} absent`];
  const out: string[] = [];
  const walk = (path: string): void => {
    const st = lstatSync(path);
    const held = st.isSymbolicLink() ? `-> ${readlinkSync(path)}` : st.isFile() && contents ? readFileSync(path, 'latin1') : '';
    out.push(`${path} ${st.mode.toString(8)} ${st.ino} ${st.size} ${st.mtimeMs} ${JSON.stringify(held)}`);
    if (st.isDirectory()) for (const name of readdirSync(path).sort()) walk(join(path, name));
  };
  walk(root);
  return out;
}

/** The host places no test may change, by their entries' nodes and times (not their contents). */
function hostPlaces(): string[] {
  const home = process.env['HOME'] ?? '/root';
  const listing = (dir: string) => (existsSync(dir) ? readdirSync(dir).sort().map((n) => snapshot(join(dir, n), false)[0] ?? n) : [`${dir} absent`]);
  return [...listing('/usr/local/bin'), ...listing(join(home, '.local/share/applications')), ...listing('/etc/firejail'), ...listing('/etc/kiln')];
}

const HOST_BEFORE = hostPlaces();
const t = tempDir('kiln-firecfg-');
const bin = join(t.path, 'bin');
const fake = join(t.path, 'fake');
const home = join(t.path, 'home');
const data = join(t.path, 'data');
const userApps = join(data, 'applications');
const apps = join(t.path, 'apps');
const elsewhere = join(t.path, 'elsewhere');
for (const d of [bin, fake, join(home, '.config/kiln'), userApps, apps, elsewhere, join(t.path, 'as-firecfg')]) mkdirSync(d, { recursive: true });

const script = (path: string, body: string) => writeFileSync(path, `#!/bin/sh\n${body}\n`, { mode: 0o755 });
// Named like programs with a profile in /etc/firejail (and in kiln's built-in list).
for (const name of ['firefox', 'vlc', 'thunderbird', 'gimp', 'mpv']) script(join(fake, name), 'exit 0');
// Profiles of the fake HOME's own: two listed programs, one listed without a profile, one with a profile but listed nowhere.
for (const name of ['kilntestapp', 'kilntestapp2', 'kilntest-noprofile', 'kilntest-unlisted']) script(join(fake, name), 'exec /bin/cat /proc/1/comm');
for (const name of ['kilntestapp', 'kilntestapp2', 'kilntest-unlisted']) writeFileSync(join(home, `.config/kiln/${name}.profile`), '');
writeFileSync(join(home, '.config/kiln/firecfg.config'), '# the user\'s own list\nkilntestapp\nkilntestapp2\nkilntest-noprofile\n');
script(join(elsewhere, 'firefox'), 'exit 0');
script(join(elsewhere, 'kiln'), 'exit 0');

// Not kiln's, with the names of installed programs that have a profile: a regular file, a link elsewhere,
// a link to another file called kiln. And kiln itself, linked under its own name.
script(join(bin, 'thunderbird'), 'echo mine');
symlinkSync('/bin/true', join(bin, 'gimp'));
symlinkSync(join(elsewhere, 'kiln'), join(bin, 'mpv'));
symlinkSync(KILN, join(bin, 'kiln'));
symlinkSync(KILN, join(t.path, 'as-firecfg/firecfg'));

const FIREJAIL_PROFILES = ['firefox', 'vlc'].every((n) => existsSync(`/etc/firejail/${n}.profile`));
const EXPECTED = [...(FIREJAIL_PROFILES ? ['firefox', 'vlc'] : []), 'kilntestapp', 'kilntestapp2'].sort();

const env = { PATH: `${bin}:${fake}`, HOME: home, XDG_DATA_HOME: data };
const firecfg = (args: readonly string[]): Result => run([KILN, '--firecfg', `--bindir=${bin}`, ...args], { env });
/** The names in bin that are symlinks resolving to kiln, `kiln` itself excepted. */
const kilnLinks = () => readdirSync(bin).filter((n) => n !== 'kiln' && lstatSync(join(bin, n)).isSymbolicLink() && realpathSync.native(join(bin, n)) === realpathSync(KILN)).sort();
/** What is not kiln's in the temporary tree, by node and contents. */
const foreign = () => [
  ...['thunderbird', 'gimp', 'mpv', 'kiln'].flatMap((n) => snapshot(join(bin, n), true)),
  ...['kilntestapp2.desktop', 'notes.desktop', 'linked.desktop'].flatMap((n) => snapshot(join(userApps, n), true)),
];

// The system's menu entries: full paths to linked programs, a name, a program of the same name elsewhere.
const entry = (exec: string) => `[Desktop Entry]\nType=Application\nName=Test\nExec=${exec}\nIcon=test\n`;
writeFileSync(join(apps, 'kilntestapp.desktop'), `${entry(`${fake}/kilntestapp %f`)}\n[Desktop Action more]\nName=More\nExec=${fake}/kilntestapp --more\n`);
writeFileSync(join(apps, 'kilntestapp2.desktop'), entry(`${fake}/kilntestapp2`));
writeFileSync(join(apps, 'byname.desktop'), entry('kilntestapp %f'));
writeFileSync(join(apps, 'other-firefox.desktop'), entry(`${elsewhere}/firefox`));
writeFileSync(join(apps, 'unlinked.desktop'), entry(`${fake}/kilntest-noprofile`));
writeFileSync(join(apps, 'thunderbird.desktop'), entry(`${fake}/thunderbird`));
// The user's own files: one with the name --fix would write, one that only mentions the mark in a comment,
// and a link to a file that carries kiln's mark (--clean removes regular files only).
writeFileSync(join(userApps, 'kilntestapp2.desktop'), entry('my-own-launcher'));
writeFileSync(join(userApps, 'notes.desktop'), `# X-Kiln-Fixed=no\n${entry('/usr/bin/true')}`);
writeFileSync(join(elsewhere, 'marked.desktop'), `[Desktop Entry]\nX-Kiln-Fixed=${apps}/x.desktop\nExec=true\n`);
symlinkSync(join(elsewhere, 'marked.desktop'), join(userApps, 'linked.desktop'));

afterAll(() => t.cleanup());

describe("kiln's firecfg", () => {
  const foreignBefore = foreign();

  test('links are created exactly for the installed programs that have a profile', () => {
    expect(kilnLinks()).toEqual([]);
    const r = firecfg([]);
    expect(r.code).toBe(0);
    expect(r.stderr).not.toMatch(STACK_FRAME);
    expect(kilnLinks()).toEqual(EXPECTED);
    // Controls: these are installed too, but have no profile or are listed nowhere.
    for (const n of ['kilntest-noprofile', 'kilntest-unlisted']) {
      expect(existsSync(join(fake, n))).toBe(true);
      expect(existsSync(join(bin, n))).toBe(false);
    }
    // Installed, with a profile, but the name is taken by something that is not kiln's: left as it was.
    expect(foreign()).toEqual(foreignBefore);
  });

  test.skipIf(!FIREJAIL_PROFILES)('a program whose only profile is in /etc/firejail gets a link (needs firejail-profiles)', () => {
    expect(kilnLinks()).toContain('firefox');
    expect(kilnLinks()).toContain('vlc');
  });

  test('a created link runs its program in a sandbox', () => {
    const r = run([join(bin, 'kilntestapp')], { env });
    expect([r.code, r.stdout.trim()]).toEqual([0, 'bwrap']);
    // Control: the program itself is not in one.
    const direct = run([join(fake, 'kilntestapp')], { env });
    expect(direct.code).toBe(0);
    expect(direct.stdout.trim()).not.toBe('bwrap');
  });

  test('a second run changes nothing and reports nothing done; --debug too', () => {
    const before = snapshot(bin, false);
    const r = firecfg([]);
    expect([r.code, r.stdout]).toEqual([0, '']);
    expect(firecfg(['--debug']).code).toBe(0);
    expect(snapshot(bin, false)).toEqual(before);
  });

  test('--list lists exactly the links to kiln; kiln run as firecfg does the same', () => {
    const r = firecfg(['--list']);
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines.map((l) => l.slice(0, l.lastIndexOf('/')))).toEqual(lines.map(() => bin));
    expect(lines.map((l) => l.slice(l.lastIndexOf('/') + 1)).sort()).toEqual(EXPECTED);
    const asFirecfg = run([join(t.path, 'as-firecfg/firecfg'), '--list', `--bindir=${bin}`], { env });
    expect([asFirecfg.code, asFirecfg.stdout]).toEqual([0, r.stdout]);
  });

  test('--fix copies the entries that call a linked program by full path, calling it by name; the menu then reaches the sandbox', () => {
    const r = firecfg(['--fix', `--applications-dir=${apps}`]);
    expect(r.code).toBe(0);
    expect(r.stderr).not.toMatch(STACK_FRAME);
    // Only kilntestapp's entry is written: byname needs no fix, the other firefox is not the linked one,
    // kilntest-noprofile and thunderbird have no link, and kilntestapp2.desktop is the user's own.
    expect(readdirSync(userApps).sort()).toEqual(['kilntestapp.desktop', 'kilntestapp2.desktop', 'linked.desktop', 'notes.desktop']);
    expect(foreign()).toEqual(foreignBefore);
    const text = readFileSync(join(userApps, 'kilntestapp.desktop'), 'utf8');
    const execs = text.split('\n').filter((l) => l.startsWith('Exec='));
    expect(execs).toEqual(['Exec=kilntestapp %f', 'Exec=kilntestapp --more']);
    expect(text).toContain(`\nX-Kiln-Fixed=${apps}/kilntestapp.desktop\n`);
    // What a menu runs from each Exec= (field codes dropped): the copy's goes through the link, the source's does not.
    const argv = (exec: string) => exec.slice('Exec='.length).split(' ').filter((w) => !w.startsWith('%'));
    const viaCopy = run(argv(execs[0] ?? ''), { env });
    expect([viaCopy.code, viaCopy.stdout.trim()]).toEqual([0, 'bwrap']);
    const viaSource = run(argv(`Exec=${fake}/kilntestapp %f`), { env });
    expect(viaSource.code).toBe(0);
    expect(viaSource.stdout.trim()).not.toBe('bwrap');
  });

  test('--fix again rewrites nothing', () => {
    const before = snapshot(userApps, true);
    const r = firecfg(['--fix', `--applications-dir=${apps}`]);
    expect([r.code, r.stdout]).toEqual([0, '']);
    expect(snapshot(userApps, true)).toEqual(before);
  });

  test('--add-users and --fix-sound change nothing and succeed', () => {
    const before = [...snapshot(t.path, true), ...snapshot('/etc/firejail', false)];
    for (const args of [['--add-users', 'kilntest', 'root'], ['--fix-sound']]) {
      const r = firecfg(args);
      expect(r.code).toBe(0);
      expect(r.stderr).not.toMatch(STACK_FRAME);
    }
    expect([...snapshot(t.path, true), ...snapshot('/etc/firejail', false)]).toEqual(before);
    expect(existsSync(join(home, '.config/pulse'))).toBe(false);
  });

  test("--clean removes kiln's links and the files --fix wrote, and nothing else", () => {
    // Control: there is something to remove.
    expect(kilnLinks()).toEqual(EXPECTED);
    expect(existsSync(join(userApps, 'kilntestapp.desktop'))).toBe(true);
    const r = firecfg(['--clean']);
    expect(r.code).toBe(0);
    expect(r.stderr).not.toMatch(STACK_FRAME);
    expect(kilnLinks()).toEqual([]);
    expect(existsSync(join(userApps, 'kilntestapp.desktop'))).toBe(false);
    expect(foreign()).toEqual(foreignBefore);
    expect(readdirSync(bin).sort()).toEqual(['gimp', 'kiln', 'mpv', 'thunderbird']);
    expect(readdirSync(userApps).sort()).toEqual(['kilntestapp2.desktop', 'linked.desktop', 'notes.desktop']);
    // Nothing left to do: --list is empty, a second --clean removes nothing.
    expect(firecfg(['--list']).stdout).toBe('');
    expect([firecfg(['--clean']).code, readdirSync(bin).length]).toEqual([0, 4]);
  });

  test('bad options and a missing --bindir: exit 1, one line, nothing changed', () => {
    const before = snapshot(t.path, true);
    for (const args of [['--lsit'], ['--list', '--clean'], ['unexpected'], ['--guide']]) {
      const r = firecfg(args);
      expect([r.code, r.stderr.trim().split('\n').length]).toEqual([1, 1]);
      expect(r.stderr).toStartWith('kiln: ');
    }
    const missing = run([KILN, '--firecfg', `--bindir=${join(t.path, 'no-such-dir')}`], { env });
    expect([missing.code, missing.stderr.trim().split('\n').length]).toEqual([1, 1]);
    expect(snapshot(t.path, true)).toEqual(before);
    // Control: the same command with a valid option succeeds.
    expect(firecfg(['--list']).code).toBe(0);
  });

  const usrLocalWritable = (() => {
    try {
      accessSync('/usr/local/bin', constants.W_OK);
      return true;
    } catch {
      return false;
    }
  })();

  test.skipIf(IS_ROOT || usrLocalWritable)('a bin directory the user may not write: exit 1 before anything is made (as a user only; root may write any)', () => {
    const before = hostPlaces();
    const r = run([KILN, '--firecfg'], { env: { ...env, PATH: `/usr/local/bin:${fake}` } });
    expect([r.code, r.stderr.trim().split('\n').length]).toEqual([1, 1]);
    expect(hostPlaces()).toEqual(before);
    const locked = join(t.path, 'locked');
    mkdirSync(locked, { mode: 0o555 });
    chmodSync(locked, 0o555);
    const r2 = run([KILN, '--firecfg', `--bindir=${locked}`], { env: { ...env, PATH: `${locked}:${fake}` } });
    expect(r2.code).toBe(1);
    expect(readdirSync(locked)).toEqual([]);
    // Control: a directory the user may write gets its links.
    expect(firecfg([]).code).toBe(0);
    expect(kilnLinks()).toEqual(EXPECTED);
    expect(firecfg(['--clean']).code).toBe(0);
  });

  test('nothing outside the temporary directory changed: /usr/local/bin, your applications directory, /etc/firejail, /etc/kiln', () => {
    expect(hostPlaces()).toEqual(HOST_BEFORE);
  });
});
