/**
 * The boundary between users: a user sees and joins only their own sandboxes, root sees and joins all;
 * and a registry entry is believed only as far as the processes it names really are its owner's.
 *
 * The tests with two users need root (to start a sandbox as someone else) and a second account; in an
 * unprivileged run they are skipped, visibly, and the forged-entry tests cover the same checks from the
 * other side.
 */
import { afterAll, describe, expect, test } from 'bun:test';
import { mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { IS_ROOT, kiln, run } from '../lib/run.ts';
import { OTHER_USER, asOther, isRunning, kilnAsOther, listJson, startSandbox, uniqueName, type Running } from './manage-helpers.ts';

const started: Running[] = [];
afterAll(async () => {
  await Promise.all(started.map((s) => s.stop()));
});

/** The registry directory a launch by `uid` uses (src/registry/store.ts, registryDir). */
function registryDirOf(uid: number, home: string, runtimeDir: string | undefined): string {
  if (uid === 0) return '/run/kiln/sandboxes';
  const rt = runtimeDir ?? `/run/user/${uid}`;
  try {
    const st = statSync(rt);
    if (st.isDirectory() && st.uid === uid) return `${rt}/kiln/sandboxes`;
  } catch {
    // no runtime directory: the launch falls back to the home directory
  }
  return `${home}/.cache/kiln/sandboxes`;
}

function startTimeOf(pid: number): string {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? '';
}

function forgedEntry(pid: number, uid: number, name: string): string {
  return JSON.stringify({
    version: 1, pid, startTime: startTimeOf(pid), uid, user: 'forged', name, command: ['kiln', 'forged'], argv: ['/bin/true'],
    profiles: [], cwd: '/', started: Date.now(), seccomp: [], caps: 'unchanged',
  });
}

describe.skipIf(OTHER_USER === undefined)(`root and another user (${OTHER_USER?.name ?? 'none: needs root and a second account'})`, () => {
  test("root sees another user's sandbox, joins it as that user, and can shut it down", async () => {
    const other = OTHER_USER as NonNullable<typeof OTHER_USER>;
    // startSandbox waits for root's --list to show it: the first half of the check.
    const sb = await startSandbox(uniqueName('theirs'), ['--hostname=kiln-theirs'], ['sleep', '120'], { asOtherUser: true });
    started.push(sb);
    expect(kiln(['--list']).stdout).toContain(`${sb.pid}:${other.name}:${sb.name}:`);
    const r = kiln([`--join=${sb.name}`, 'sh', '-c', 'hostname; id -u']);
    expect(r.stdout).toBe(`kiln-theirs\n${other.uid}\n`);
    // control: the owner joins it too
    expect(kilnAsOther([`--join=${sb.name}`, 'hostname']).stdout).toBe('kiln-theirs\n');
    expect(kiln(['--quiet', `--shutdown=${sb.name}`]).code).toBe(0);
    await sb.proc.exited;
    expect(isRunning(sb.pid1)).toBe(false);
  });

  test("root's join of a user's sandbox applies its limits and environment, and a forged limit raises nothing", async () => {
    const other = OTHER_USER as NonNullable<typeof OTHER_USER>;
    const sb = await startSandbox(uniqueName('theirlim'), ['--rlimit-nofile=64', '--env=FOO=bar'], ['sleep', '120'], { asOtherUser: true });
    started.push(sb);
    const probe = ['sh', '-c', 'echo "$(id -u) ${FOO-unset} $(ulimit -Hn)"'];
    expect(kiln([`--join=${sb.name}`, ...probe]).stdout).toBe(`${other.uid} bar 64\n`);
    // The user rewrites the entry root reads. Root may raise a hard limit; the user, whom the join runs
    // as, may not: the joined process keeps the hard limit it inherited from root's kiln.
    const file = `${registryDirOf(other.uid, other.home, undefined)}/${sb.pid}.json`;
    const entry = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    const forge = (value: string) => {
      const limits = [{ kind: 'rlimit', name: 'rlimit-nofile', resource: 7, value }];
      expect(run(asOther(['tee', file]), { stdin: JSON.stringify({ ...entry, limits }) }).code).toBe(0);
    };
    const hard = run(['sh', '-c', 'ulimit -Hn']).stdout.trim();
    forge(String(BigInt(hard) + 1000n));
    expect(kiln([`--join=${sb.name}`, ...probe]).stdout).toBe(`${other.uid} bar ${hard}\n`);
    forge('100'); // control: the forged entry is read, and a limit the user may set is applied
    expect(kiln([`--join=${sb.name}`, ...probe]).stdout).toBe(`${other.uid} bar 100\n`);
  });

  test("another user can neither see, join, inspect nor shut down root's sandbox", async () => {
    const sb = await startSandbox(uniqueName('roots'), ['--hostname=kiln-roots']);
    started.push(sb);
    const theirList = kilnAsOther(['--list']);
    expect(theirList.code).toBe(0);
    expect(theirList.stdout).not.toContain(sb.name);
    expect(listJson(true).some((s) => s.pid === sb.pid)).toBe(false);
    for (const target of [sb.name, String(sb.pid), String(sb.pid1)]) {
      for (const args of [[`--join=${target}`, 'true'], [`--shutdown=${target}`], [`--seccomp.print=${target}`], [`--ls=${target}`, '/']]) {
        const r = kilnAsOther(args);
        expect({ args, code: r.code, says: r.stderr.includes('no sandbox of yours') }).toEqual({ args, code: 1, says: true });
      }
    }
    // Not even nsenter itself gets in, whatever kiln says.
    expect(run(asOther(['nsenter', `--target=${sb.pid1}`, '--uts', 'hostname'])).code).not.toBe(0);
    expect(isRunning(sb.pid1)).toBe(true);
    expect(kiln([`--join=${sb.name}`, 'hostname']).stdout).toBe('kiln-roots\n'); // control: root can
  });

  test("entries in another user's registry that name processes not theirs are ignored by root", () => {
    const other = OTHER_USER as NonNullable<typeof OTHER_USER>;
    const dir = registryDirOf(other.uid, other.home, undefined);
    run(asOther(['mkdir', '-p', dir]));
    const names = [uniqueName('forged-init'), uniqueName('forged-root')];
    const files = [`${dir}/1.json`];
    try {
      // pid 1 is root's, not theirs, whatever the entry claims; and an entry claiming uid 0 in their directory.
      expect(run(asOther(['tee', `${dir}/1.json`]), { stdin: forgedEntry(1, other.uid, names[0] ?? '') }).code).toBe(0);
      const rootsOwn = Bun.spawn(['sleep', '30']);
      files.push(`${dir}/${rootsOwn.pid}.json`);
      expect(run(asOther(['tee', `${dir}/${rootsOwn.pid}.json`]), { stdin: forgedEntry(rootsOwn.pid, 0, names[1] ?? '') }).code).toBe(0);
      const list = kiln(['--list']).stdout;
      for (const n of names) expect(list).not.toContain(n);
      expect(kiln([`--shutdown=${names[1]}`]).code).toBe(1);
      expect(isRunning(rootsOwn.pid)).toBe(true);
      rootsOwn.kill();
    } finally {
      for (const f of files) rmSync(f, { force: true });
    }
  });
});

describe('forged entries in the caller\'s own registry', () => {
  const uid = process.getuid?.() ?? 0;
  const dir = registryDirOf(uid, process.env['HOME'] ?? '/', process.env['XDG_RUNTIME_DIR']);

  test.skipIf(IS_ROOT)("an entry naming someone else's process (pid 1) is not listed, and is pruned", () => {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const name = uniqueName('forged');
    writeFileSync(`${dir}/1.json`, forgedEntry(1, uid, name));
    const r = kiln(['--list']);
    expect(r.code).toBe(0);
    expect(r.stdout).not.toContain(name);
    expect(kiln(['--shutdown=1']).code).toBe(1);
    expect(() => statSync(`${dir}/1.json`)).toThrow(); // pruned: as far as the owner can tell, it is dead
  });

  test('an entry without a pid 1 that descends from its anchor is never signalled', async () => {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    // Both processes are the caller's own, but the "pid 1" is not a child of the "anchor".
    const anchor = Bun.spawn(['sleep', '30']);
    const stranger = Bun.spawn(['sleep', '30']);
    const name = uniqueName('forged-own');
    try {
      writeFileSync(`${dir}/${anchor.pid}.json`, forgedEntry(anchor.pid, uid, name));
      writeFileSync(`${dir}/${anchor.pid}.info`, JSON.stringify({ 'child-pid': stranger.pid }));
      const listed = listJson().find((s) => s.name === name);
      expect(listed).toMatchObject({ pid: anchor.pid }); // it is the caller's own process, so it is listed …
      expect(listed?.pid1).toBeUndefined(); // … but its pid 1 does not check out
      const r = kiln(['--quiet', `--shutdown=${name}`]);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain('has not reported its pid 1');
      expect(kiln([`--join=${name}`, 'true']).code).toBe(1);
      expect(isRunning(anchor.pid) && isRunning(stranger.pid)).toBe(true);
    } finally {
      anchor.kill();
      stranger.kill();
      await Promise.all([anchor.exited, stranger.exited]);
      rmSync(`${dir}/${anchor.pid}.json`, { force: true });
      rmSync(`${dir}/${anchor.pid}.info`, { force: true });
    }
  });

  test('a malformed entry for a live process of the caller is skipped, not fatal', async () => {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const anchor = Bun.spawn(['sleep', '30']);
    const name = uniqueName('malformed');
    try {
      const entry = JSON.parse(forgedEntry(anchor.pid, uid, name)) as Record<string, unknown>;
      writeFileSync(`${dir}/${anchor.pid}.json`, JSON.stringify({ ...entry, command: 'not an array' }));
      const r = kiln(['--list']);
      expect(r.code).toBe(0);
      expect(r.stdout).not.toContain(name);
      // control: the same entry, well formed, is listed
      writeFileSync(`${dir}/${anchor.pid}.json`, JSON.stringify(entry));
      expect(kiln(['--list']).stdout).toContain(`:${name}:`);
    } finally {
      anchor.kill();
      await anchor.exited;
      rmSync(`${dir}/${anchor.pid}.json`, { force: true });
    }
  });

  test.skipIf(IS_ROOT)('an unprivileged caller lists only their own sandboxes', async () => {
    const sb = await startSandbox(uniqueName('mine'));
    started.push(sb);
    const all = listJson();
    expect(all.some((s) => s.name === sb.name)).toBe(true); // control
    expect(all.every((s) => s.uid === uid)).toBe(true);
  });
});
