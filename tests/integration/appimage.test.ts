/**
 * --appimage FILE (docs/desktop.md, AppImage): a type 2 AppImage, built here with no download (an ELF stub
 * with the AppImage magic, and a squashfs made by mksquashfs appended where its section header table
 * ends), mounted by squashfuse beside the sandbox and run from a read-only bind. Each check has a control;
 * every run is checked for what it leaves behind: squashfuse, its mount, its helper directory.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, realpathSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { alive } from '../lib/dbus.ts';
import { hasCommand, IS_ROOT, KILN, kiln, run, STACK_FRAME, tempDir } from '../lib/run.ts';

const ready = hasCommand('mksquashfs') && hasCommand('squashfuse') && hasCommand('fusermount3') && existsSync('/dev/fuse');

/**
 * The AppImage's AppRun. `show` prints what the runtime would have set, its arguments and a file of the
 * image; `write DIR` tries to write in the image and in DIR; `hold FILE` says `started` and waits for FILE;
 * `mounts` prints the mount options of $APPDIR and of the directory above it; `touch FILE` makes FILE.
 */
const APPRUN = `#!/bin/sh
mode=$1; shift
case $mode in
show)
  printf 'APPDIR=%s\\nAPPIMAGE=%s\\nARGV0=%s\\nOWD=%s\\nPROFILE=%s\\nHAS_APPIMAGE=%s\\n' "$APPDIR" "$APPIMAGE" "$ARGV0" "$OWD" "$KILN_TEST_PROFILE" "$KILN_TEST_HAS_APPIMAGE"
  for a in "$@"; do printf 'ARG=%s\\n' "$a"; done
  printf 'DATA=%s\\n' "$(cat "$APPDIR/data.txt")" ;;
write)
  if touch "$APPDIR/new" 2>/dev/null; then echo image=written; else echo image=refused; fi
  if touch "$1/written-by-app" 2>/dev/null; then echo dir=written; else echo dir=refused; fi ;;
hold)
  echo started
  while [ ! -e "$1" ]; do sleep 0.05; done ;;
mounts)
  up=\${APPDIR%/*}
  awk -v a="$APPDIR" -v u="$up" '$5 == a { print "appdir " $6 } $5 == u { print "above " $6 }' /proc/self/mountinfo ;;
touch)
  touch "$1" ;;
esac
`;

/** Where the section header table of an ELF file ends (64- or 32-bit, little-endian): the runtime's own size. */
function elfEnd(bytes: Uint8Array): number {
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const is64 = bytes[4] === 2;
  const shoff = is64 ? Number(v.getBigUint64(0x28, true)) : v.getUint32(0x20, true);
  return shoff + v.getUint16(is64 ? 0x3a : 0x2e, true) * v.getUint16(is64 ? 0x3c : 0x30, true);
}

describe.skipIf(!ready)('--appimage (needs mksquashfs, squashfuse, fusermount3 and /dev/fuse)', () => {
  const t = tempDir('kiln-appimage-');
  const home = join(t.path, 'home');
  const work = join(t.path, 'work');
  const env = { HOME: home, KILN_TEST_PROFILE: undefined, KILN_TEST_HAS_APPIMAGE: undefined };
  const uid = process.getuid?.() ?? 0;
  // kiln's state directory for this caller and HOME (host/facts.ts stateDirFor).
  const runtimeDir = process.env['XDG_RUNTIME_DIR'] ?? `/run/user/${uid}`;
  const stateDir = IS_ROOT ? '/run/kiln' : existsSync(runtimeDir) && statSync(runtimeDir).uid === uid ? `${runtimeDir}/kiln` : `${home}/.cache/kiln`;
  const registryDir = () => realpathSync(`${stateDir}/sandboxes`);
  let image = '';

  /** An AppImage-shaped file: the ELF part of `stub`, `magic` at byte 8, then a squashfs of AppRun and data.txt. */
  function buildAppImage(name: string, data: string, magic: readonly number[] = [0x41, 0x49, 2], stub = '/usr/bin/true'): string {
    const src = join(t.path, `src-${name}`);
    mkdirSync(src, { recursive: true });
    writeFileSync(join(src, 'AppRun'), APPRUN);
    chmodSync(join(src, 'AppRun'), 0o755);
    writeFileSync(join(src, 'data.txt'), data);
    const sqfs = join(t.path, `${name}.sqfs`);
    expect(run(['mksquashfs', src, sqfs, '-noappend', '-quiet', '-all-root']).code).toBe(0);
    const elfBytes = readFileSync(stub);
    const end = elfEnd(elfBytes);
    const elf = new Uint8Array(end);
    elf.set(elfBytes.subarray(0, Math.min(end, elfBytes.length)));
    elf.set(magic, 8);
    const file = join(work, name);
    writeFileSync(file, Buffer.concat([elf, readFileSync(sqfs)]));
    chmodSync(file, 0o755);
    return file;
  }

  /** Mount points the launch with kiln pid `pid` made (squashfuse's, in its helper directory), by the host's mount table. */
  const mountsOf = (pid: number) => readFileSync('/proc/self/mountinfo', 'utf8').split('\n').filter((l) => l.split(' ')[4]?.startsWith(`${registryDir()}/${pid}.d/`));

  /** Waits (bounded, never a pass by itself) until `done` holds; the callers then check it. */
  async function until(done: () => boolean): Promise<void> {
    for (let i = 0; i < 400 && !done(); i++) await Bun.sleep(25);
  }

  /** Starts `kiln … --appimage FILE hold RELEASE`, waits for AppRun to say `started`; returns what the test needs. */
  async function startHeld(file: string, release: string) {
    const p = Bun.spawn([KILN, '--quiet', '--noprofile', '--appimage', file, 'hold', release], { env: { ...process.env, ...env }, cwd: work, stdout: 'pipe', stderr: 'inherit' });
    const reader = p.stdout.getReader();
    const first = await reader.read();
    expect(new TextDecoder().decode(first.value ?? new Uint8Array())).toBe('started\n');
    const entry = JSON.parse(readFileSync(join(registryDir(), `${p.pid}.json`), 'utf8')) as { helpers?: { name: string; pid: number }[] };
    return { p, helpers: entry.helpers ?? [] };
  }

  /** Host processes whose command line names `marker` (the sandboxed AppRun waiting on it). */
  const holders = (marker: string) =>
    readdirSync('/proc').filter((d) => /^\d+$/.test(d) && alive(Number(d))).filter((d) => {
      try {
        return readFileSync(`/proc/${d}/cmdline`, 'utf8').includes(marker);
      } catch {
        return false;
      }
    });

  beforeAll(() => {
    mkdirSync(join(home, '.config/kiln'), { recursive: true });
    mkdirSync(work, { recursive: true });
    image = buildAppImage('Krita-5.2.2-x86_64.AppImage', 'hello from the image');
    // The profiles the launch may pick: the AppImage's application name, and the fallbacks.
    writeFileSync(join(home, '.config/kiln/krita.profile'), 'env KILN_TEST_PROFILE=krita\n?HAS_APPIMAGE: env KILN_TEST_HAS_APPIMAGE=yes\n');
    for (const f of ['default.profile', 'server.profile']) writeFileSync(join(home, '.config/kiln', f), 'env KILN_TEST_PROFILE=fallback\n');
  });
  afterAll(async () => {
    // squashfuse unmounts just after its sandbox ends (on SIGTERM from the kernel): wait for the mounts of
    // ended launches (a user's state directory is in this temporary HOME), then prune their directories.
    const ours = () =>
      readFileSync('/proc/self/mountinfo', 'utf8').split('\n').some((l) => {
        const at = l.split(' ')[4] ?? '';
        const pid = /\/(\d+)\.d\/appimage$/.exec(at)?.[1];
        return at.startsWith(`${realpathSync(t.path)}/`) || (at.startsWith(`${registryDir()}/`) && pid !== undefined && !alive(Number(pid)));
      });
    await until(() => !ours());
    expect(ours()).toBe(false);
    kiln(['--list'], { env });
    t.cleanup();
  });

  test('the AppImage runs with its arguments unparsed, and APPDIR, APPIMAGE, ARGV0 and OWD set as its runtime sets them', () => {
    const r = kiln(['--quiet', '--noprofile', '--appimage', './Krita-5.2.2-x86_64.AppImage', 'show', '--private', 'two words'], { env, cwd: work });
    expect(r.code).toBe(0);
    const vars = new Map(r.stdout.trim().split('\n').map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)] as const));
    expect(vars.get('APPDIR')).toBe(`${realpathSync(stateDir)}/appimage`);
    expect(vars.get('APPIMAGE')).toBe(realpathSync(image));
    expect(vars.get('ARGV0')).toBe('./Krita-5.2.2-x86_64.AppImage');
    expect(vars.get('OWD')).toBe(work);
    expect(vars.get('DATA')).toBe('hello from the image');
    expect(r.stdout.match(/^ARG=.*$/gm)).toEqual(['ARG=--private', 'ARG=two words']);
    expect(r.stderr).not.toMatch(STACK_FRAME);
  });

  test('the image is read-only inside the sandbox; a writable place still takes writes (control)', () => {
    const dir = join(t.path, 'writable');
    mkdirSync(dir, { recursive: true });
    const r = kiln(['--quiet', '--noprofile', '--appimage', image, 'write', dir], { env, cwd: work });
    expect([r.code, r.stdout.trim()]).toEqual([0, 'image=refused\ndir=written']);
    expect(existsSync(join(dir, 'written-by-app'))).toBe(true);
  });

  test("the profile named after the AppImage applies (basename, then its application name), with ?HAS_APPIMAGE true", () => {
    const show = (file: string) => new Map(kiln(['--quiet', '--appimage', file, 'show'], { env, cwd: work }).stdout.trim().split('\n').map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)] as const));
    const krita = show(image);
    expect([krita.get('PROFILE'), krita.get('HAS_APPIMAGE')]).toEqual(['krita', 'yes']);
    // Control: the same image under another name gets the fallback profile.
    const other = buildAppImage('Other-1.0-x86_64.AppImage', 'x');
    expect(show(other).get('PROFILE')).toBe('fallback');
    // A profile named after the whole file name comes first.
    writeFileSync(join(home, '.config/kiln/Other-1.0-x86_64.AppImage.profile'), 'env KILN_TEST_PROFILE=whole-name\n');
    expect(show(other).get('PROFILE')).toBe('whole-name');
  });

  test("a profile's noexec above the mount point does not reach the AppImage, though it reaches the directory above it (control)", () => {
    const above = realpathSync(stateDir).replace(/\/[^/]+$/, '');
    const r = kiln(['--quiet', '--noprofile', `--noexec=${above}`, '--appimage', image, 'mounts'], { env, cwd: work });
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n');
    const opts = (which: string) => lines.filter((l) => l.startsWith(`${which} `)).at(-1)?.split(' ')[1]?.split(',') ?? [];
    expect(opts('above')).toContain('noexec');
    expect(opts('appdir')).toContain('ro');
    expect(opts('appdir')).not.toContain('noexec');
  });

  test('while it runs, squashfuse serves the mount; when it ends, squashfuse, its mount and its directory go', async () => {
    const release = join(t.path, 'release-normal');
    const { p, helpers } = await startHeld(image, release);
    expect(helpers.map((h) => h.name)).toEqual(['squashfuse']);
    const fuse = helpers[0]?.pid ?? -1;
    // Controls: the helper and its mount are there while the program runs.
    expect(alive(fuse)).toBe(true);
    expect(mountsOf(p.pid).length).toBe(1);
    writeFileSync(release, '');
    expect(await p.exited).toBe(0);
    await until(() => !alive(fuse) && mountsOf(p.pid).length === 0);
    expect(alive(fuse)).toBe(false);
    expect(mountsOf(p.pid)).toEqual([]);
    kiln(['--list'], { env });
    expect(existsSync(join(registryDir(), `${p.pid}.d`))).toBe(false);
  });

  test('kill -9 of the supervisor (kiln\'s pid) mid-run takes the program, squashfuse and the mount with it', async () => {
    const release = join(t.path, 'release-killed');
    const { p, helpers } = await startHeld(image, release);
    const fuse = helpers[0]?.pid ?? -1;
    expect(alive(fuse)).toBe(true);
    expect(holders(release).length).toBeGreaterThan(0);
    p.kill('SIGKILL');
    await p.exited;
    await until(() => !alive(fuse) && mountsOf(p.pid).length === 0 && holders(release).length === 0);
    expect(alive(fuse)).toBe(false);
    expect(mountsOf(p.pid)).toEqual([]);
    expect(holders(release)).toEqual([]);
    kiln(['--list'], { env });
    expect(existsSync(join(registryDir(), `${p.pid}.d`))).toBe(false);
  });

  test('what is not a type 2 AppImage is refused before anything starts; the program never runs', async () => {
    const marker = join(t.path, 'ran');
    const plain = join(work, 'plain');
    writeFileSync(plain, readFileSync('/usr/bin/true'));
    chmodSync(plain, 0o755);
    const type1 = buildAppImage('Type1.AppImage', 'x', [0x41, 0x49, 1]);
    const good = readFileSync(image);
    const at = elfEnd(readFileSync('/usr/bin/true'));
    const noSquashfs = join(work, 'nosquashfs.AppImage');
    writeFileSync(noSquashfs, Buffer.concat([good.subarray(0, at), Buffer.from('not a squashfs at all')]));
    const broken = join(work, 'broken.AppImage');
    // A squashfs magic followed by garbage: squashfuse itself refuses it.
    writeFileSync(broken, Buffer.concat([good.subarray(0, at + 4), Buffer.alloc(good.length - at - 4, 0x58)]));
    for (const [file, why] of [[plain, 'no magic'], [type1, 'type 1'], [noSquashfs, 'no squashfs'], [broken, 'squashfuse fails'], [join(work, 'missing.AppImage'), 'missing'], [work, 'a directory']] as const) {
      const p = Bun.spawn([KILN, '--quiet', '--noprofile', '--appimage', file, 'touch', marker], { env: { ...process.env, ...env }, cwd: work, stdout: 'pipe', stderr: 'pipe' });
      const code = await p.exited;
      const stderr = await new Response(p.stderr).text();
      expect([why, code === 0]).toEqual([why, false]);
      expect(stderr).not.toMatch(STACK_FRAME);
      expect(existsSync(marker)).toBe(false);
      expect(mountsOf(p.pid)).toEqual([]);
      expect(existsSync(join(registryDir(), `${p.pid}.d`))).toBe(false);
    }
    // --appimage without a file is a usage error.
    expect(kiln(['--quiet', '--noprofile', '--appimage'], { env }).code).not.toBe(0);
    // Control: the real AppImage, the same way, runs the program.
    expect(kiln(['--quiet', '--noprofile', '--appimage', image, 'touch', marker], { env, cwd: work }).code).toBe(0);
    expect(existsSync(marker)).toBe(true);
  });

  test.skipIf(IS_ROOT)('a file the caller cannot read is refused with an error naming it (not as root, who reads every file)', () => {
    const closed = join(work, 'Closed.AppImage');
    writeFileSync(closed, readFileSync(image));
    chmodSync(closed, 0o000);
    const r = kiln(['--quiet', '--noprofile', '--appimage', closed, 'show'], { env, cwd: work });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain(closed);
    expect(r.stderr).not.toMatch(STACK_FRAME);
    // Control: readable again, it runs.
    chmodSync(closed, 0o644);
    expect(kiln(['--quiet', '--noprofile', '--appimage', closed, 'show'], { env, cwd: work }).code).toBe(0);
  });

  test('without squashfuse the launch stops with an error naming its package; the program never runs', () => {
    const marker = join(t.path, 'ran-without-squashfuse');
    const r = kiln(['--quiet', '--noprofile', '--appimage', image, 'touch', marker], { env: { ...env, KILN_SQUASHFUSE: join(t.path, 'no-such-squashfuse') }, cwd: work });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('apt-get install squashfuse');
    expect(r.stderr).not.toMatch(STACK_FRAME);
    expect(existsSync(marker)).toBe(false);
    // Control: with it, the program runs.
    expect(kiln(['--quiet', '--noprofile', '--appimage', image, 'touch', marker], { env, cwd: work }).code).toBe(0);
    expect(existsSync(marker)).toBe(true);
  });

  test('a cached plan follows the file: the same name rewritten with another runtime (its squashfs elsewhere) runs the new one', () => {
    const file = buildAppImage('Cached.AppImage', 'first');
    const data = () => /^DATA=(.*)$/m.exec(kiln(['--quiet', '--noprofile', '--appimage', file, 'show'], { env, cwd: work }).stdout)?.[1];
    expect(data()).toBe('first');
    expect(data()).toBe('first'); // from the plan cache
    // Another ELF stub: the squashfs now starts at another offset, which a stale plan would mount from.
    expect(elfEnd(readFileSync('/usr/bin/env'))).not.toBe(elfEnd(readFileSync('/usr/bin/true')));
    buildAppImage('Cached.AppImage', 'second', undefined, '/usr/bin/env');
    expect(data()).toBe('second');
  });
});
