/**
 * No user error prints a stack trace. Every command-line action runs under hostile conditions (a PATH
 * entry the caller cannot search, a HOME that does not exist or is unset, a runtime directory out of
 * reach, a working directory that cannot be read, sandboxes that do not exist) and must end with a
 * deliberate exit status and no JavaScript stack frame on stderr.
 *
 * KILN_DEBUG=1 is set throughout: an error kiln did not expect is then reported with its stack, so the
 * test fails on any error that escapes to a top level, in the command or in the init stage of a join.
 * Under plain conditions each action must give exactly its expected status (the positive control); under
 * hostile ones, that status or 1, a usage or system error kiln reports on purpose.
 *
 * Under root the table runs twice: as root, and as the other test user, who is shut out of the
 * directories root made (root itself may search any directory).
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { chmodSync, chownSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { IS_ROOT, KILN, STACK_FRAME, run, type Result } from '../lib/run.ts';
import { OTHER_USER, asOther, startSandbox, uniqueName, type Running } from './manage-helpers.ts';

interface Actor {
  readonly label: string;
  readonly other: boolean;
}

const ACTORS: readonly Actor[] = IS_ROOT
  ? [{ label: 'root', other: false }, ...(OTHER_USER !== undefined ? [{ label: OTHER_USER.name, other: true }] : [])]
  : [{ label: 'an unprivileged user', other: false }];

/** The environment changes of a condition: a value sets the variable, null unsets it. */
interface Condition {
  readonly name: string;
  readonly env: (dirs: Dirs) => Readonly<Record<string, string | null>>;
  /** Run with the working directory made unreadable and unsearchable (mode 0000) by its owner. */
  readonly closedCwd?: true;
}

interface Dirs {
  /** A directory the actor cannot search (mode 0000, or inside root's private directory). */
  readonly locked: string;
  /** The actor's own working directory for the runs (--get writes there). */
  readonly work: string;
}

const CONDITIONS: readonly Condition[] = [
  { name: 'plain', env: () => ({}) },
  { name: 'PATH holds a directory the caller cannot search, an empty entry and a missing one', env: (d) => ({ PATH: `${d.locked}::/nonexistent-kiln-dir:/usr/bin:/bin` }) },
  { name: 'HOME does not exist', env: () => ({ HOME: '/nonexistent-kiln-home' }) },
  { name: 'HOME is unset', env: () => ({ HOME: null }) },
  { name: 'XDG_RUNTIME_DIR lies in a directory the caller cannot search', env: (d) => ({ XDG_RUNTIME_DIR: `${d.locked}/run` }) },
  { name: 'the working directory cannot be read or searched', env: () => ({}), closedCwd: true },
];

/** One action: its arguments (given the sandbox's name) and its exit status under plain conditions. */
interface Row {
  readonly name: string;
  readonly args: (sb: string, dirs: Dirs) => readonly string[];
  readonly code: number;
  readonly stdin?: string;
  /** Starts a throwaway sandbox and passes its name instead (for --shutdown). */
  readonly fresh?: true;
}

const ROWS: readonly Row[] = [
  { name: 'launch without a profile', args: () => ['--quiet', '--noprofile', 'true'], code: 0 },
  { name: 'launch with the default profile and --debug-blacklists', args: () => ['--quiet', '--debug-blacklists', 'true'], code: 0 },
  { name: 'launch of a program that does not exist', args: () => ['--quiet', '--noprofile', 'kiln-no-such-program'], code: 127 },
  { name: 'an unknown option', args: () => ['--kiln-no-such-option'], code: 1 },
  { name: '--version', args: () => ['--version'], code: 0 },
  { name: '--list', args: () => ['--list'], code: 0 },
  { name: '--list --json', args: () => ['--list', '--json'], code: 0 },
  { name: '--tree', args: () => ['--tree'], code: 0 },
  { name: '--tree --json', args: () => ['--tree', '--json'], code: 0 },
  { name: '--top, ended by q', args: () => ['--top'], code: 0, stdin: 'q' },
  { name: '--join with a program', args: (sb) => [`--join=${sb}`, 'true'], code: 0 },
  { name: '--join with the login shell', args: (sb) => [`--join=${sb}`], code: 3, stdin: 'exit 3\n' },
  { name: '--join with a program that does not exist', args: (sb) => [`--join=${sb}`, 'kiln-no-such-program'], code: 127 },
  { name: '--join-filesystem', args: (sb) => [`--join-filesystem=${sb}`, 'true'], code: 0 },
  { name: '--join-network into a sandbox without a network namespace', args: (sb) => [`--join-network=${sb}`, 'true'], code: 1 },
  { name: '--join of a name no sandbox has', args: () => ['--join=kiln-no-such-sandbox', 'true'], code: 1 },
  { name: '--join of a pid no sandbox has', args: () => ['--join=999999999', 'true'], code: 1 },
  { name: '--shutdown', args: (sb) => [`--shutdown=${sb}`], code: 0, fresh: true },
  { name: '--shutdown of a name no sandbox has', args: () => ['--shutdown=kiln-no-such-sandbox'], code: 1 },
  { name: '--ls', args: (sb) => [`--ls=${sb}`, '/'], code: 0 },
  { name: '--ls of a relative path', args: (sb) => [`--ls=${sb}`, 'kiln-no-such-file'], code: 1 },
  { name: '--get', args: (sb) => [`--get=${sb}`, '/etc/hostname'], code: 0 },
  { name: '--put', args: (sb, d) => [`--put=${sb}`, '/etc/hostname', join(d.work, 'put')], code: 0 },
  { name: '--ls of a sandbox that does not exist', args: () => ['--ls=kiln-no-such-sandbox', '/'], code: 1 },
  { name: '--profile.print', args: (sb) => [`--profile.print=${sb}`], code: 0 },
  { name: '--seccomp.print', args: (sb) => [`--seccomp.print=${sb}`], code: 0 },
  { name: '--caps.print', args: (sb) => [`--caps.print=${sb}`], code: 0 },
  { name: '--protocol.print', args: (sb) => [`--protocol.print=${sb}`], code: 0 },
  { name: '--fs.print', args: (sb) => [`--fs.print=${sb}`], code: 0 },
  { name: '--cpu.print', args: (sb) => [`--cpu.print=${sb}`], code: 0 },
  { name: '--apparmor.print', args: (sb) => [`--apparmor.print=${sb}`], code: 0 },
  { name: '--cat', args: (sb) => [`--cat=${sb}`, '/etc/hostname'], code: 0 },
  { name: '--cat of a file that does not exist', args: (sb) => [`--cat=${sb}`, '/kiln-no-such-file'], code: 1 },
  { name: '--output to a file in the working directory', args: (_sb, d) => ['--quiet', '--noprofile', `--output=${join(d.work, 'output.log')}`, 'true'], code: 0 },
  { name: '--output into a directory that does not exist', args: () => ['--quiet', '--noprofile', '--output=/nonexistent-kiln-dir/log', 'true'], code: 1 },
  { name: '--oom with a value that is not a number', args: () => ['--quiet', '--noprofile', '--oom=abc', 'true'], code: 1 },
  { name: '--firecfg --list of an empty bin directory', args: (_sb, d) => ['--firecfg', `--bindir=${d.work}`, '--list'], code: 0 },
  { name: '--firecfg with an unknown option', args: () => ['--firecfg', '--kiln-no-such-option'], code: 1 },
  { name: '--caps.print of a pid no sandbox has', args: () => ['--caps.print=999999999'], code: 1 },
  { name: '--profile.check', args: () => ['--profile.check=default'], code: 0 },
  { name: '--profile.check of a profile that does not exist', args: () => ['--profile.check=kiln-no-such-profile'], code: 1 },
  { name: '--profile.explain', args: () => ['--profile.explain=default'], code: 0 },
  { name: '--debug-syscalls', args: () => ['--debug-syscalls'], code: 0 },
  { name: '--debug-syscalls32', args: () => ['--debug-syscalls32'], code: 0 },
  { name: '--debug-errnos', args: () => ['--debug-errnos'], code: 0 },
  { name: '--debug-protocols', args: () => ['--debug-protocols'], code: 0 },
  { name: '--debug-caps', args: () => ['--debug-caps'], code: 0 },
];

test('positive control: the stack-frame pattern matches an uncaught error', () => {
  const r = run([process.execPath, '-e', 'function thrower() { throw new Error("boom"); } thrower();']);
  expect(r.code).not.toBe(0);
  expect(r.stderr).toMatch(STACK_FRAME);
});

test('an error no one expected is one line and exit 1, with its stack only under KILN_DEBUG=1', () => {
  // The init stage fed a configuration that is not one: a JSON parse error reaches the top level.
  const plain = run([KILN, '--kiln-init=0', '--', 'true'], { stdin: 'not an init configuration' });
  expect(plain.code).toBe(1);
  expect(plain.stderr).not.toMatch(STACK_FRAME);
  expect(plain.stderr.trimEnd().split('\n')).toHaveLength(1);
  const debug = run([KILN, '--kiln-init=0', '--', 'true'], { stdin: 'not an init configuration', env: { KILN_DEBUG: '1' } });
  expect(debug.code).toBe(1);
  expect(debug.stderr).toMatch(STACK_FRAME); // control: the same error, with the stack asked for
});

for (const actor of ACTORS) {
  describe(`as ${actor.label}`, () => {
    let top = '';
    let dirs: Dirs = { locked: '', work: '' };
    const started: Running[] = [];
    let sandbox = '';

    beforeAll(async () => {
      // The caller's private directory (mkdtemp makes it mode 0700): under root, only root may enter it.
      top = mkdtempSync(join(tmpdir(), 'kiln-cli-errors-'));
      dirs = { locked: join(top, 'locked'), work: join(top, 'work') };
      mkdirSync(dirs.locked, { mode: 0o000 });
      mkdirSync(dirs.work, { mode: 0o700 });
      const profile = join(dirs.work, 'errors.profile');
      // NOTE: no private-tmp: the directories made here must be the same inside the sandbox, for a join.
      writeFileSync(profile, 'protocol unix,inet\n');
      if (actor.other && OTHER_USER !== undefined) {
        chmodSync(top, 0o711); // the other user may reach work/, but not list top/ or enter locked/
        chownSync(dirs.work, OTHER_USER.uid, -1);
        chownSync(profile, OTHER_USER.uid, -1);
      }
      const sb = await startSandbox(uniqueName('errors'), [], ['sleep', '600'], { asOtherUser: actor.other, profile });
      started.push(sb);
      sandbox = sb.name;
    });

    afterAll(async () => {
      await Promise.all(started.map((s) => s.stop()));
      chmodSync(dirs.locked, 0o700);
      rmSync(top, { recursive: true, force: true });
    });

    /** kiln with `args` as the actor, under `cond`. */
    function runAs(cond: Condition, args: readonly string[], stdin: string | undefined): Result {
      const env = cond.env(dirs);
      const envArgv = ['env', ...Object.entries(env).flatMap(([k, v]) => (v === null ? ['-u', k] : [`${k}=${v}`])), 'KILN_DEBUG=1'];
      // The working directory is closed by its owner after entering it, and opened again after the run;
      // if either chmod fails, the exit status (98, 99) fails the test rather than pass for kiln's 1.
      const closing = 'chmod 000 "$PWD" || exit 98; "$@"; rc=$?; chmod 700 "$PWD" || exit 99; exit $rc';
      const inner = cond.closedCwd === true ? ['sh', '-c', closing, 'sh', ...envArgv, KILN, ...args] : [...envArgv, KILN, ...args];
      return run(actor.other ? asOther(inner) : inner, { cwd: dirs.work, ...(stdin !== undefined ? { stdin } : {}) });
    }

    for (const cond of CONDITIONS) {
      describe(cond.name, () => {
        test.each(ROWS.map((r) => [r.name, r] as const))('%s', async (_, row) => {
          let target = sandbox;
          if (row.fresh === true) {
            const fresh = await startSandbox(uniqueName('errors-shut'), [], ['sleep', '600'], { asOtherUser: actor.other });
            started.push(fresh);
            target = fresh.name;
          }
          const r = runAs(cond, row.args(target, dirs), row.stdin);
          expect(r.stderr).not.toMatch(STACK_FRAME);
          expect(r.signal).toBeNull();
          if (cond.name === 'plain') expect(r.code).toBe(row.code);
          else expect([row.code, 1]).toContain(r.code);
        });
      });
    }
  });
}
