/**
 * The plan cache must never hand out a stale plan: each test makes a launch cache its plan, then changes
 * the host in a way that must change the plan, and checks that the next launch follows the change. The
 * controls show the cached launch did take effect before the change.
 */
import { describe, expect, test } from 'bun:test';
import { chmodSync, copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { kiln, tempDir } from '../lib/run.ts';

function launch(home: string, args: readonly string[], script: string) {
  return kiln(['--quiet', ...args, '/bin/sh', '-c', script], { env: { HOME: home } });
}

/** Whether a launch took its plan from the cache (--debug says so), having exited 0. */
function cachedLaunch(home: string, args: readonly string[], script = 'true'): boolean {
  const r = kiln(['--quiet', '--debug', ...args, '/bin/sh', '-c', script], { env: { HOME: home } });
  return r.code === 0 && r.stderr.includes('plan (cached)');
}

/** Waits out the cache's two-second freshness rule, so the next launch stores its plan. */
const settle = () => Bun.sleep(2100);

describe('plan cache', () => {
  test('a blacklisted path created after the plan was cached is hidden', async () => {
    const h = tempDir('kiln-cache-');
    try {
      const profile = join(h.path, 'p.profile');
      writeFileSync(profile, `blacklist ${h.path}/secretdir\n`);
      await settle();
      const args = [`--profile=${profile}`];
      expect(launch(h.path, args, 'true').code).toBe(0); // plans and caches: secretdir absent
      expect(cachedLaunch(h.path, args)).toBe(true); // the next one comes from the cache
      mkdirSync(join(h.path, 'secretdir'));
      writeFileSync(join(h.path, 'secretdir/key'), 'k\n');
      expect(launch(h.path, args, `cat ${h.path}/secretdir/key`).code).not.toBe(0);
      // control: without the profile the file is readable
      expect(kiln(['--quiet', '--noprofile', 'cat', `${h.path}/secretdir/key`]).code).toBe(0);
    } finally {
      h.cleanup();
    }
  });

  test('a changed bwrap binary is probed again rather than trusted from the cached plan', async () => {
    const h = tempDir('kiln-cache-');
    try {
      const bwrap = join(h.path, 'bwrap');
      copyFileSync('/usr/bin/bwrap', bwrap);
      chmodSync(bwrap, 0o755);
      await settle();
      const run = () => kiln(['--quiet', '--debug', '--noprofile', '/bin/sh', '-c', 'true'], { env: { HOME: h.path, KILN_BWRAP: bwrap } });
      expect(run().code).toBe(0); // plans and caches
      expect(run().stderr).toContain('plan (cached)'); // control: the next launch comes from the cache
      copyFileSync('/usr/bin/bwrap', bwrap); // same name, same kind of file, new contents' identity
      await settle();
      const again = run();
      expect(again.code).toBe(0);
      expect(again.stderr).not.toContain('plan (cached)');
    } finally {
      h.cleanup();
    }
  });

  test('a new match of a blacklisted glob is hidden', async () => {
    const h = tempDir('kiln-cache-');
    try {
      const profile = join(h.path, 'p.profile');
      writeFileSync(profile, `blacklist ${h.path}/ssh-*\n`);
      writeFileSync(join(h.path, 'other'), 'o\n');
      await settle();
      const args = [`--profile=${profile}`];
      expect(launch(h.path, args, 'true').code).toBe(0);
      expect(cachedLaunch(h.path, args)).toBe(true);
      mkdirSync(join(h.path, 'ssh-agent123'));
      writeFileSync(join(h.path, 'ssh-agent123/sock'), 's\n');
      expect(launch(h.path, args, `cat ${h.path}/ssh-agent123/sock`).code).not.toBe(0);
      expect(launch(h.path, args, `cat ${h.path}/other`).code).toBe(0);
    } finally {
      h.cleanup();
    }
  });

  test('an edited profile takes effect at once', async () => {
    const h = tempDir('kiln-cache-');
    try {
      const profile = join(h.path, 'p.profile');
      writeFileSync(join(h.path, 'file'), 'f\n');
      writeFileSync(profile, 'quiet\n');
      await settle();
      const args = [`--profile=${profile}`];
      expect(launch(h.path, args, `cat ${h.path}/file`).code).toBe(0);
      expect(cachedLaunch(h.path, args, `cat ${h.path}/file`)).toBe(true);
      writeFileSync(profile, `quiet\nblacklist ${h.path}/file\n`);
      expect(launch(h.path, args, `cat ${h.path}/file`).code).not.toBe(0);
    } finally {
      h.cleanup();
    }
  });

  test('a cached plan still hands the program the environment of this launch', async () => {
    const h = tempDir('kiln-cache-');
    try {
      await settle();
      const run1 = kiln(['--quiet', '--noprofile', '/bin/sh', '-c', 'echo "v=$LAUNCH_VALUE"'], { env: { HOME: h.path, LAUNCH_VALUE: 'first' } });
      expect(run1.stdout).toBe('v=first\n');
      const r = kiln(['--quiet', '--debug', '--noprofile', '/bin/sh', '-c', 'echo "v=$LAUNCH_VALUE"'], { env: { HOME: h.path, LAUNCH_VALUE: 'second' } });
      expect(r.stderr).toContain('plan (cached)');
      expect(r.stdout).toBe('v=second\n');
    } finally {
      h.cleanup();
    }
  });

  test("a private home's copies of the user's files are never stored, and are read afresh", async () => {
    const h = tempDir('kiln-cache-');
    try {
      const secret = `cookie-${process.pid}-${Date.now()}`;
      writeFileSync(join(h.path, '.Xauthority'), `${secret}\n`, { mode: 0o600 });
      await settle();
      const args = ['--noprofile', '--private'];
      const read = 'cat "$HOME/.Xauthority"';
      expect(launch(h.path, args, read).stdout).toBe(`${secret}\n`);
      expect(cachedLaunch(h.path, args, read)).toBe(true); // control: the plan is cached
      expect(launch(h.path, args, read).stdout).toBe(`${secret}\n`); // and the copy still made
      // The state directory follows the registry: the runtime directory's kiln/, or ~/.cache/kiln.
      const dirs = ['/run/kiln/plans', join(h.path, '.cache/kiln/plans'), ...(process.env['XDG_RUNTIME_DIR'] ? [`${process.env['XDG_RUNTIME_DIR']}/kiln/plans`] : [])];
      const plans = dirs.filter((d) => existsSync(d) && statSync(d).uid === process.getuid?.()).flatMap((d) => readdirSync(d).map((n) => join(d, n)));
      expect(plans.length).toBeGreaterThan(0);
      // Blobs are stored in base64.
      const stored = [secret, Buffer.from(`${secret}\n`).toString('base64')];
      for (const f of plans) expect(stored.some((x) => readFileSync(f, 'utf8').includes(x))).toBe(false);
      writeFileSync(join(h.path, '.Xauthority'), 'changed\n');
      expect(launch(h.path, args, read).stdout).toBe('changed\n');
    } finally {
      h.cleanup();
    }
  });

  test('mkdir and mkfile in a private home, from a cached plan, are still made in the sandbox only', async () => {
    const h = tempDir('kiln-cache-');
    try {
      const profile = join(h.path, 'p.profile');
      writeFileSync(profile, 'mkdir ${HOME}/made/sub\nmkfile ${HOME}/made-file\n');
      await settle();
      const args = [`--profile=${profile}`, '--private'];
      const probe = 'test -d "$HOME/made/sub" && test -f "$HOME/made-file"';
      expect(launch(h.path, args, probe).code).toBe(0);
      expect(cachedLaunch(h.path, args, probe)).toBe(true);
      expect(existsSync(join(h.path, 'made')) || existsSync(join(h.path, 'made-file'))).toBe(false);
    } finally {
      h.cleanup();
    }
  });

  test('sandboxes cannot read or write the cache', () => {
    const h = tempDir('kiln-cache-');
    try {
      // The state directory follows the registry: the runtime directory's kiln/, or ~/.cache/kiln.
      const dirs = ['/run/kiln', join(h.path, '.cache/kiln'), ...(process.env['XDG_RUNTIME_DIR'] ? [`${process.env['XDG_RUNTIME_DIR']}/kiln`] : [])];
      // Whatever the sandbox sees there is empty, and what it writes there never reaches the host.
      const probe = `for d in ${dirs.join(' ')}; do [ -d "$d" ] || continue; ls -A "$d" 2>/dev/null; touch "$d/planted" 2>/dev/null; done; exit 0`;
      const r = launch(h.path, ['--noprofile'], probe);
      expect(r.code).toBe(0);
      expect(r.stdout.trim()).toBe('');
      // Only the caller's own state directories matter (an unprivileged caller cannot look into /run/kiln).
      const mine = dirs.filter((d) => existsSync(d) && statSync(d).uid === process.getuid?.());
      for (const d of mine) expect(existsSync(join(d, 'planted'))).toBe(false);
      // control: on the host, the caller's state and cache directories are not empty
      expect(mine.some((d) => readdirSync(d).length > 0)).toBe(true);
    } finally {
      h.cleanup();
    }
  });
});
