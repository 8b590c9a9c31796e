/**
 * `apparmor` on the real kernel. Where AppArmor is enabled and kiln-default is loaded, the program's label
 * (/proc/self/attr/current inside the sandbox) shows the profile, and what the profile forbids fails,
 * each beside a control without it. Where AppArmor is absent (this project's test VM), --debug says so
 * once, a normal launch says nothing about it, and the program runs. Suites that cannot run here show as
 * skipped, with the reason in their names.
 */
import { describe, expect, test } from 'bun:test';
import { closeSync, existsSync, openSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { resolvePolicy } from '../../src/policy/resolve.ts';
import { initialConditions } from '../../src/profile/conditions.ts';
import { loadGlobalConfig } from '../../src/profile/config.ts';
import { buildMacroEnv } from '../../src/profile/env.ts';
import { createLoader } from '../../src/profile/load.ts';
import { BUILTIN_PROFILES } from '../../src/profile/builtin.ts';
import { KILN, kiln, tempDir } from '../lib/run.ts';
import { startSandbox, uniqueName } from './manage-helpers.ts';

function read(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined; // missing, or not readable by this user: the skip reasons below say which
  }
}

const lsm = read('/sys/kernel/security/lsm');
const enabled = read('/sys/module/apparmor/parameters/enabled')?.trim() === 'Y' && (lsm === undefined || lsm.trim().split(',').includes('apparmor'));
const profiles = enabled ? read('/sys/kernel/security/apparmor/profiles') : undefined;
const loaded = profiles !== undefined && /^kiln-default \(/m.test(profiles);
const liveSkip = !enabled
  ? 'skipped: the kernel has no AppArmor enabled'
  : profiles === undefined
    ? 'skipped: the loaded profile list is not readable by this user (run as root)'
    : !loaded
      ? 'skipped: kiln-default is not loaded (apparmor_parser -r contrib/apparmor/kiln-default)'
      : '';

/** The program's AppArmor label as the sandbox shows it to itself. */
const LABEL = 'cat /proc/self/attr/apparmor/current 2>/dev/null || cat /proc/self/attr/current';

describe.skipIf(!loaded)(`AppArmor live (enabled, kiln-default loaded)${liveSkip === '' ? '' : ` — ${liveSkip}`}`, () => {
  test('--apparmor stacks kiln-default on the program (control: without it, the label lacks it)', () => {
    const r = kiln(['--quiet', '--noprofile', '--apparmor', '/bin/sh', '-c', LABEL]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('kiln-default');
    const control = kiln(['--quiet', '--noprofile', '/bin/sh', '-c', LABEL]);
    expect(control.code).toBe(0);
    expect(control.stdout).not.toContain('kiln-default');
  });

  test('apparmor-replace: the program runs under kiln-default alone, where kiln is unconfined', () => {
    const outer = read('/proc/self/attr/current')?.replace(/\0/g, '').trim();
    const r = kiln(['--quiet', '--noprofile', '--apparmor', '--apparmor-replace', '/bin/sh', '-c', LABEL]);
    if (outer === 'unconfined') {
      expect(r.code).toBe(0);
      expect(r.stdout.replace(/\0/g, '').trim()).toBe('kiln-default (enforce)');
    } else {
      // Under no_new_privs the kernel refuses a change away from a confined label: the program never runs.
      expect(r.code).not.toBe(0);
    }
  });

  test('what the profile forbids fails under it (control: the same read succeeds without it)', () => {
    // securityfs, where the kernel lists its LSMs (world-readable): kiln-default denies all of it. (Not
    // /proc/kallsyms: kiln's baseline already keeps the program from reading that.)
    const script = 'cat /sys/kernel/security/lsm >/dev/null';
    expect(kiln(['--quiet', '--noprofile', '/bin/sh', '-c', script]).code).toBe(0);
    expect(kiln(['--quiet', '--noprofile', '--apparmor', '/bin/sh', '-c', script]).code).not.toBe(0);
  });

  test('--join runs its program under the profile too; --apparmor.print shows it (control: a sandbox without it)', async () => {
    const sb = await startSandbox(uniqueName('aa'), ['--apparmor']);
    const plain = await startSandbox(uniqueName('aa-plain'));
    try {
      expect(kiln([`--join=${sb.name}`, '/bin/sh', '-c', LABEL]).stdout).toContain('kiln-default');
      expect(kiln([`--apparmor.print=${sb.name}`]).stdout).toContain('AppArmor: kiln-default');
      expect(kiln([`--join=${plain.name}`, '/bin/sh', '-c', LABEL]).stdout).not.toContain('kiln-default');
    } finally {
      await sb.stop();
      await plain.stop();
    }
  });

  test('a named profile that is not loaded stops the launch before the program runs (control: kiln-default runs it)', () => {
    const t = tempDir('kiln-aa-');
    try {
      const marker = `${t.path}/ran`;
      const r = kiln(['--quiet', '--noprofile', '--apparmor=kiln-no-such-profile', '/bin/touch', marker]);
      expect(r.code).not.toBe(0);
      expect(existsSync(marker)).toBe(false);
      expect(kiln(['--quiet', '--noprofile', '--apparmor', '/bin/touch', marker]).code).toBe(0);
      expect(existsSync(marker)).toBe(true);
    } finally {
      t.cleanup();
    }
  });
});

const ABSENT_LINE = "kiln: AppArmor: the kernel has no AppArmor enabled; 'apparmor' is not applied";

describe.skipIf(enabled)(`AppArmor absent${enabled ? ' — skipped: this kernel has AppArmor enabled' : ''}`, () => {
  test('--debug says so once; the program runs', () => {
    const t = tempDir('kiln-aa-');
    try {
      const marker = `${t.path}/ran`;
      // In a directory whose name does not say apparmor: --debug shows the working directory.
      const r = kiln(['--debug', '--noprofile', '--apparmor', '/bin/touch', marker], { cwd: t.path });
      expect(r.code).toBe(0);
      expect(existsSync(marker)).toBe(true);
      expect(r.stderr.split('\n').filter((l) => l === ABSENT_LINE)).toHaveLength(1);
      expect(r.stderr.split('\n').filter((l) => /apparmor/i.test(l))).toEqual([ABSENT_LINE]);
    } finally {
      t.cleanup();
    }
  });

  test('a normal launch says nothing about AppArmor, whatever the profile asks; the program runs', () => {
    const t = tempDir('kiln-aa-');
    try {
      const profile = `${t.path}/aa.profile`;
      writeFileSync(profile, 'apparmor\napparmor-replace\napparmor-stack\n');
      for (const args of [['--noprofile', '--apparmor'], ['--noprofile', '--apparmor=some-profile', '--apparmor-replace'], [`--profile=${profile}`]]) {
        const r = kiln([...args, '/bin/sh', '-c', 'echo ran'], { cwd: t.path });
        expect(r.code).toBe(0);
        expect(r.stdout).toBe('ran\n');
        expect(r.stderr).not.toMatch(/apparmor/i);
      }
      // Control: the same check sees a line that does name it, --debug's.
      expect(kiln(['--debug', `--profile=${profile}`, '/bin/true'], { cwd: t.path }).stderr).toContain(ABSENT_LINE);
    } finally {
      t.cleanup();
    }
  });
});

/**
 * The init stage's request, driven directly: kiln's binary run as its own init stage outside any sandbox,
 * with a configuration that asks for an AppArmor profile. Where the kernel refuses (on a kernel without
 * AppArmor it always does), the program must never run.
 */
describe.skipIf(enabled)(`the init stage fails closed${enabled ? ' — skipped: this kernel has AppArmor, which might grant the request' : ''}`, () => {
  function runInit(apparmor: object | undefined, marker: string): { code: number; stderr: string } {
    const t = tempDir('kiln-aa-init-');
    try {
      const config = `${t.path}/config.json`;
      writeFileSync(config, JSON.stringify({ steps: [], keepCaps: [], lastCap: 40, seccomp: [], exeFd: 99, capsByBwrap: true, ...(apparmor !== undefined ? { apparmor } : {}) }));
      const fd = openSync(config, 'r');
      try {
        const p = Bun.spawnSync([KILN, '--kiln-init=3', '--', '/bin/touch', marker], { stdio: ['ignore', 'pipe', 'pipe', fd] as never });
        return { code: p.exitCode ?? -1, stderr: p.stderr.toString() };
      } finally {
        closeSync(fd);
      }
    } finally {
      t.cleanup();
    }
  }

  for (const ifNotLoaded of ['fail', 'warn'] as const) {
    test(`a refused request (ifNotLoaded: ${ifNotLoaded}) stops it before the program (control: no request, it runs)`, () => {
      const t = tempDir('kiln-aa-');
      try {
        const marker = `${t.path}/ran`;
        const r = runInit({ profile: 'kiln-default', mode: 'stack', ifNotLoaded, quiet: false }, marker);
        expect(r.code).toBe(1);
        expect(r.stderr).toContain('the program was not started');
        expect(existsSync(marker)).toBe(false);
        expect(runInit(undefined, marker).code).toBe(0);
        expect(existsSync(marker)).toBe(true);
      } finally {
        t.cleanup();
      }
    });
  }
});

const CORPUS = '/etc/firejail';
const corpus = existsSync(`${CORPUS}/firejail.config`);

describe.skipIf(!corpus)(`Firejail's profiles${corpus ? '' : ' — skipped: the firejail package is not installed'}`, () => {
  test("none of those that say apparmor reports it as recognized but not enforced", () => {
    const loader = createLoader({
      env: buildMacroEnv('/nonexistent/kiln-aa-home', 1000, '/usr/local/bin:/usr/bin:/bin'),
      search: { dirs: [CORPUS], systemDirs: [CORPUS], builtins: BUILTIN_PROFILES },
      config: () => loadGlobalConfig().config,
    });
    let asking = 0;
    for (const name of readdirSync(CORPUS).filter((f) => f.endsWith('.profile'))) {
      const loaded = loader.load({ sources: [{ kind: 'file', path: `${CORPUS}/${name}` }], ignores: [], conditions: initialConditions(false) });
      const r = resolvePolicy({ profile: loaded.directives, cli: [], files: loaded.files, ignored: loaded.ignored });
      if (r.policy.apparmor !== undefined) asking++;
      expect(r.policy.notEnforced.filter((n) => n.command.startsWith('apparmor'))).toEqual([]);
    }
    // The check saw the profiles it is about: hundreds ask for AppArmor, directly or through an include.
    expect(asking).toBeGreaterThan(300);
  });
});
