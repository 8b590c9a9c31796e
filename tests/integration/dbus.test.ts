/**
 * D-Bus filtering through xdg-dbus-proxy (docs/desktop.md). Each test starts a private dbus-daemon and a
 * test service owning org.example.Allowed and org.example.Denied, then checks from inside the sandbox what
 * the rules let through, with a control that the same call works on the unfiltered bus. The proxy must be
 * ready before the program runs, and gone when the sandbox ends, however it ends.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { existsSync, readFileSync, writeFileSync, chmodSync } from 'node:fs';
import { join } from 'node:path';
import { alive, startBus, startService, type Bus } from '../lib/dbus.ts';
import { hasCommand, kiln, run, tempDir, KILN, IS_ROOT } from '../lib/run.ts';

const ready = hasCommand('xdg-dbus-proxy') && hasCommand('dbus-daemon') && hasCommand('gdbus') && existsSync('/usr/lib/python3/dist-packages/gi');

const LIST = ['gdbus', 'call', '--session', '-d', 'org.freedesktop.DBus', '-o', '/org/freedesktop/DBus', '-m', 'org.freedesktop.DBus.ListNames'];
const ping = (name: string, method = 'Ping', bus = '--session') => ['gdbus', 'call', bus, '-d', name, '-o', '/org/example/Test', '-m', `org.example.Test.${method}`];
const own = (name: string) => ['dbus-send', '--session', '--print-reply', '--dest=org.freedesktop.DBus', '/org/freedesktop/DBus', 'org.freedesktop.DBus.RequestName', `string:${name}`, 'uint32:4'];

describe.skipIf(!ready)('dbus-user filter', () => {
  const tmp = tempDir('kiln-dbus-');
  const log = join(tmp.path, 'service.log');
  let bus: Bus;
  let stopService = () => {};
  let env: Record<string, string>;
  const sandbox = (opts: readonly string[], argv: readonly string[], extraEnv: Record<string, string | undefined> = {}) =>
    kiln(['--quiet', '--noprofile', ...opts, ...argv], { env: { ...env, ...extraEnv } });
  /** Well-known names from gdbus's printed ListNames reply, `(['org.freedesktop.DBus', ':1.0', …],)`. */
  const names = (stdout: string) => [...stdout.matchAll(/'([^']*)'/g)].map((m) => m[1] ?? '').filter((n) => !n.startsWith(':') && n !== 'org.freedesktop.DBus').sort();

  beforeAll(async () => {
    bus = await startBus(tmp.path, 'bus');
    env = { DBUS_SESSION_BUS_ADDRESS: bus.address };
    stopService = await startService(bus, 'session', log, ['org.example.Allowed', 'org.example.Denied']);
  });
  afterAll(() => {
    stopService();
    bus.stop();
    tmp.cleanup();
  });

  test('control: without a filter the sandbox sees and calls every name', () => {
    const r = sandbox([], LIST);
    expect(r.code).toBe(0);
    expect(names(r.stdout)).toEqual(['org.example.Allowed', 'org.example.Denied']);
    expect(sandbox([], ping('org.example.Denied')).code).toBe(0);
  });

  test('talk: the allowed name answers; the denied one is invisible and refused', () => {
    const opts = ['--dbus-user=filter', '--dbus-user.talk=org.example.Allowed'];
    const r = sandbox(opts, LIST);
    expect(r.code).toBe(0);
    expect(names(r.stdout)).toEqual(['org.example.Allowed']);
    const ok = sandbox(opts, ping('org.example.Allowed'));
    expect([ok.code, ok.stdout.trim()]).toEqual([0, "('Ping',)"]);
    const denied = sandbox(opts, ping('org.example.Denied'));
    expect(denied.code).not.toBe(0);
    expect(denied.stderr).toContain('ServiceUnknown');
  });

  test('a wildcard name.* covers the name and those beneath it, not a sibling prefix', () => {
    const opts = ['--dbus-user=filter', '--dbus-user.talk=org.example.*'];
    expect(names(sandbox(opts, LIST).stdout)).toEqual(['org.example.Allowed', 'org.example.Denied']);
    const narrow = ['--dbus-user=filter', '--dbus-user.talk=org.example.Allow.*'];
    expect(sandbox(narrow, ping('org.example.Allowed')).code).not.toBe(0);
  });

  test('see: the name is listed but calls to it are refused', () => {
    const opts = ['--dbus-user=filter', '--dbus-user.see=org.example.Denied'];
    expect(names(sandbox(opts, LIST).stdout)).toEqual(['org.example.Denied']);
    const r = sandbox(opts, ping('org.example.Denied'));
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('AccessDenied');
  });

  test('own: the sandbox may own exactly its name', () => {
    const opts = ['--dbus-user=filter', '--dbus-user.own=org.example.Mine'];
    const mine = sandbox(opts, own('org.example.Mine'));
    expect([mine.code, /uint32 1/.test(mine.stdout)]).toEqual([0, true]);
    expect(sandbox(opts, own('org.example.Yours')).code).not.toBe(0);
    // Control: on the unfiltered bus the same request succeeds.
    expect(sandbox([], own('org.example.Yours')).code).toBe(0);
  });

  test('call: only the named method on the named path passes', () => {
    const opts = ['--dbus-user=filter', '--dbus-user.call=org.example.Allowed=org.example.Test.Ping@/org/example/Test'];
    expect(sandbox(opts, ping('org.example.Allowed')).code).toBe(0);
    const other = sandbox(opts, ping('org.example.Allowed', 'Other'));
    expect(other.code).not.toBe(0);
    expect(sandbox([], ping('org.example.Allowed', 'Other')).code).toBe(0);
  });

  test('filter without rules: only the bus itself', () => {
    const r = sandbox(['--dbus-user=filter'], LIST);
    expect(r.code).toBe(0);
    expect(names(r.stdout)).toEqual([]);
  });

  test('a rule without filter leaves the bus unfiltered, as in Firejail, and says so', () => {
    const r = kiln(['--noprofile', '--dbus-user.talk=org.example.Allowed', ...LIST], { env });
    expect(r.code).toBe(0);
    expect(names(r.stdout)).toEqual(['org.example.Allowed', 'org.example.Denied']);
    expect(r.stderr).toContain('no effect');
  });

  test('ignore drops one rule of a profile', () => {
    const profile = join(tmp.path, 'rules.profile');
    writeFileSync(profile, 'dbus-user filter\ndbus-user.talk org.example.Allowed\ndbus-user.talk org.example.Denied\n');
    const both = kiln(['--quiet', `--profile=${profile}`, ...LIST], { env });
    expect(names(both.stdout)).toEqual(['org.example.Allowed', 'org.example.Denied']);
    const one = kiln(['--quiet', '--ignore=dbus-user.talk org.example.Denied', `--profile=${profile}`, ...LIST], { env });
    expect(names(one.stdout)).toEqual(['org.example.Allowed']);
  });

  test('the real socket is hidden; DBUS_SESSION_BUS_ADDRESS names the proxy', () => {
    const r = sandbox(['--dbus-user=filter'], ['/bin/sh', '-c', `echo "$DBUS_SESSION_BUS_ADDRESS"; test -S '${bus.socket}' && echo reachable || echo hidden`]);
    const [address, real] = r.stdout.trim().split('\n');
    expect(address).toMatch(/^unix:path=\/run\/user\/\d+\/bus$/);
    expect(real).toBe('hidden');
    expect(run(['/bin/sh', '-c', `test -S '${bus.socket}'`]).code).toBe(0);
  });

  test('--dbus-user.log prints the traffic; --dbus-log=FILE writes it to FILE', () => {
    const r = sandbox(['--dbus-user=filter', '--dbus-user.log', '--dbus-user.talk=org.example.Allowed'], ping('org.example.Allowed'));
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/-> org\.example\.Allowed call org\.example\.Test\.Ping at \/org\/example\/Test/);
    const file = join(tmp.path, 'proxy.log');
    const f = sandbox(['--dbus-user=filter', '--dbus-user.log', `--dbus-log=${file}`, '--dbus-user.talk=org.example.Allowed'], ping('org.example.Allowed'));
    expect(f.code).toBe(0);
    expect(f.stdout).not.toContain('org.example.Test.Ping at');
    expect(readFileSync(file, 'utf8')).toMatch(/org\.example\.Allowed call org\.example\.Test\.Ping/);
    // Without .log the proxy prints nothing.
    expect(sandbox(['--dbus-user=filter', '--dbus-user.talk=org.example.Allowed'], ping('org.example.Allowed')).stdout.trim()).toBe("('Ping',)");
  });

  test('10,000 rules pass through the proxy\'s argument file', () => {
    const profile = join(tmp.path, 'many.profile');
    const lines = ['dbus-user filter', ...Array.from({ length: 10_000 }, (_, i) => `dbus-user.talk org.example.n${i}`), 'dbus-user.talk org.example.Allowed'];
    writeFileSync(profile, `${lines.join('\n')}\n`);
    const r = kiln(['--quiet', `--profile=${profile}`, ...ping('org.example.Allowed')], { env });
    expect(r.code).toBe(0);
    expect(kiln(['--quiet', `--profile=${profile}`, ...ping('org.example.Denied')], { env }).code).not.toBe(0);
  });

  test('hostile rule names get a clear error, and nothing starts', () => {
    const marker = join(tmp.path, 'ran');
    for (const bad of ['org.ex ample.A', "org.example.'A'", 'org.example.A\nB', 'org.example.$(touch x)', '', 'org.example.A;ls', 'a=b=c']) {
      const r = kiln(['--noprofile', '--dbus-user=filter', `--dbus-user.talk=${bad}`, '/bin/sh', '-c', `touch '${marker}'`], { env });
      expect(r.code).not.toBe(0);
      expect(r.stderr).toContain('dbus-user.talk');
      expect(r.stderr).not.toMatch(/\n\s+at /);
    }
    expect(existsSync(marker)).toBe(false);
  });

  test('--join gets the same filtered bus', async () => {
    const name = `dbus-join-${process.pid}`;
    const p = Bun.spawn([KILN, '--quiet', '--noprofile', `--name=${name}`, '--dbus-user=filter', '--dbus-user.talk=org.example.Allowed', 'sleep', '30'], { env: { ...process.env, ...env }, stdout: 'ignore', stderr: 'inherit' });
    try {
      let joined = kiln(['--join=' + name, ...LIST], { env });
      for (let i = 0; i < 50 && joined.code !== 0; i++) {
        await Bun.sleep(100);
        joined = kiln(['--join=' + name, ...LIST], { env });
      }
      expect(joined.code).toBe(0);
      expect(names(joined.stdout)).toEqual(['org.example.Allowed']);
      const tree = kiln(['--tree'], { env });
      expect(tree.stdout).toContain('xdg-dbus-proxy');
      const listed = (JSON.parse(kiln(['--list', '--json'], { env }).stdout) as { name: string; helpers?: { name: string; pid: number }[] }[]).find((s) => s.name === name);
      expect(listed?.helpers?.map((h) => h.name)).toEqual(['xdg-dbus-proxy']);
    } finally {
      p.kill('SIGKILL');
      await p.exited;
    }
  });
});

describe.skipIf(!ready || !hasCommand('notify-send') || !existsSync('/etc/firejail/notify-send.profile'))('a real program under its Debian profile', () => {
  const tmp = tempDir('kiln-dbus-notify-');
  const log = join(tmp.path, 'notifications.log');
  let bus: Bus;
  let stop = () => {};
  let env: Record<string, string>;
  beforeAll(async () => {
    bus = await startBus(tmp.path, 'bus');
    env = { DBUS_SESSION_BUS_ADDRESS: bus.address };
    stop = await startService(bus, 'session', log, ['org.freedesktop.Notifications', 'org.example.Denied']);
  });
  afterAll(() => {
    stop();
    bus.stop();
    tmp.cleanup();
  });

  test("notify-send, under notify-send.profile's filter, delivers its notification", () => {
    const r = kiln(['--quiet', 'notify-send', 'hello from kiln'], { env });
    expect(r.code).toBe(0);
    expect(readFileSync(log, 'utf8')).toContain('notify hello from kiln');
  });

  test('without its talk rule the same profile blocks it, and nothing is delivered', () => {
    const r = kiln(['--quiet', '--ignore=dbus-user.talk org.freedesktop.Notifications', 'notify-send', 'blocked by kiln'], { env });
    expect(r.code).not.toBe(0);
    expect(readFileSync(log, 'utf8')).not.toContain('blocked by kiln');
  });
});

describe.skipIf(!ready)('the proxy lives exactly as long as the sandbox', () => {
  const tmp = tempDir('kiln-dbus-life-');
  let bus: Bus;
  let env: Record<string, string>;
  beforeAll(async () => {
    bus = await startBus(tmp.path, 'bus');
    env = { DBUS_SESSION_BUS_ADDRESS: bus.address };
  });
  afterAll(() => {
    bus.stop();
    tmp.cleanup();
  });

  /** The helper pids the registry lists for the sandbox anchored at `pid`. */
  const registryDir = () => (IS_ROOT ? '/run/kiln/sandboxes' : existsSync(`/run/user/${process.getuid?.()}`) ? `/run/user/${process.getuid?.()}/kiln/sandboxes` : `${process.env['HOME']}/.cache/kiln/sandboxes`);
  const helperPids = (pid: number): number[] => {
    const file = join(registryDir(), `${pid}.json`);
    if (!existsSync(file)) return [];
    return ((JSON.parse(readFileSync(file, 'utf8')) as { helpers?: { pid: number }[] }).helpers ?? []).map((h) => h.pid);
  };
  const waitFor = async (cond: () => boolean, ms = 10_000) => {
    for (const end = Date.now() + ms; Date.now() < end && !cond(); ) await Bun.sleep(20);
    return cond();
  };

  test('a sandbox that ends takes the proxy with it; the next kiln removes its socket directory', async () => {
    const p = Bun.spawn([KILN, '--quiet', '--noprofile', '--dbus-user=filter', 'sleep', '1'], { env: { ...process.env, ...env }, stdout: 'ignore', stderr: 'inherit' });
    expect(await waitFor(() => helperPids(p.pid).length === 1)).toBe(true);
    const [proxy] = helperPids(p.pid) as [number];
    expect(alive(proxy)).toBe(true);
    expect(await p.exited).toBe(0);
    expect(await waitFor(() => !alive(proxy))).toBe(true);
    kiln(['--list']);
    expect(existsSync(join(registryDir(), `${p.pid}.d`))).toBe(false);
  });

  test('SIGKILL of kiln\'s pid while the sandbox runs: the proxy exits', async () => {
    const p = Bun.spawn([KILN, '--quiet', '--noprofile', '--dbus-user=filter', 'sleep', '60'], { env: { ...process.env, ...env }, stdout: 'ignore', stderr: 'inherit' });
    // NOTE: once the program runs. bwrap arms its sandbox pid 1's parent-death signal only after clone, so
    // a SIGKILL in the milliseconds before orphans that pid 1, and the proxy stays as long as the program
    // it serves (docs/desktop.md, known limitations).
    const info = () => join(registryDir(), `${p.pid}.info`);
    const pid1 = () => Number(/"child-pid":\s*(\d+)/.exec(existsSync(info()) ? readFileSync(info(), 'utf8') : '')?.[1] ?? 0);
    const running = () => pid1() > 0 && existsSync(`/proc/${pid1()}/task/${pid1()}/children`) && readFileSync(`/proc/${pid1()}/task/${pid1()}/children`, 'utf8').trim() !== '';
    expect(await waitFor(() => helperPids(p.pid).length === 1 && running())).toBe(true);
    const [proxy] = helperPids(p.pid) as [number];
    p.kill('SIGKILL');
    await p.exited;
    expect(await waitFor(() => !alive(proxy))).toBe(true);
  });

  test('SIGKILL of kiln while the proxy starts: the proxy exits, and the program never ran', async () => {
    // A proxy that takes its time: the wrapper records its pid, then becomes the real proxy.
    const slow = join(tmp.path, 'slow-proxy');
    const pidFile = join(tmp.path, 'slow.pid');
    writeFileSync(slow, `#!/bin/sh\necho $$ > '${pidFile}'\nsleep 1\nexec xdg-dbus-proxy "$@"\n`);
    chmodSync(slow, 0o755);
    const marker = join(tmp.path, 'program-ran');
    const p = Bun.spawn([KILN, '--quiet', '--noprofile', '--dbus-user=filter', '/bin/sh', '-c', `touch '${marker}'`], {
      env: { ...process.env, ...env, KILN_XDG_DBUS_PROXY: slow },
      stdout: 'ignore',
      stderr: 'inherit',
    });
    expect(await waitFor(() => existsSync(pidFile) && readFileSync(pidFile, 'utf8').trim() !== '')).toBe(true);
    const proxy = Number(readFileSync(pidFile, 'utf8').trim());
    p.kill('SIGKILL');
    await p.exited;
    expect(await waitFor(() => !alive(proxy))).toBe(true);
    expect(existsSync(marker)).toBe(false);
  });

  test('fail closed: a missing proxy names its package; a proxy that fails stops the launch; nothing is left', () => {
    const marker = join(tmp.path, 'ran-anyway');
    const launch = (proxy?: string) => {
      const p = Bun.spawnSync([KILN, '--noprofile', '--dbus-user=filter', '/bin/sh', '-c', `touch '${marker}'`], {
        env: { ...process.env, ...env, ...(proxy !== undefined ? { KILN_XDG_DBUS_PROXY: proxy } : {}) },
        stdout: 'pipe',
        stderr: 'pipe',
      });
      const leftovers = ['json', 'info', 'd'].filter((ext) => existsSync(join(registryDir(), `${p.pid}.${ext}`)));
      return { code: p.exitCode, stderr: p.stderr.toString(), leftovers };
    };
    const missing = launch('/nonexistent/xdg-dbus-proxy');
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toContain('apt-get install xdg-dbus-proxy');
    expect(missing.leftovers).toEqual([]);
    const failing = launch('/bin/false');
    expect(failing.code).not.toBe(0);
    expect(failing.stderr).toContain('xdg-dbus-proxy failed to start');
    expect(failing.leftovers).toEqual([]);
    expect(existsSync(marker)).toBe(false);
    // Control: the same command with the real proxy runs (and leaves its entry until the next kiln prunes it).
    const ok = launch();
    expect(ok.code).toBe(0);
    expect(existsSync(marker)).toBe(true);
  });

  test('no session bus: a warning, and the sandbox runs without one', () => {
    const r = kiln(['--noprofile', '--dbus-user=filter', '/bin/sh', '-c', 'echo "${DBUS_SESSION_BUS_ADDRESS:-unset}"'], { env: { DBUS_SESSION_BUS_ADDRESS: undefined, XDG_RUNTIME_DIR: '/nonexistent' } });
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe('unset');
    expect(r.stderr).toContain('no session bus');
  });
});

describe.skipIf(!ready)('abstract sockets and the system bus', () => {
  const tmp = tempDir('kiln-dbus-abs-');
  let abstractBus: Bus;
  let systemBus: Bus;
  const stops: (() => void)[] = [];
  beforeAll(async () => {
    abstractBus = await startBus(tmp.path, 'abstract-bus', { abstract: true });
    systemBus = await startBus(tmp.path, 'system-bus');
    stops.push(await startService(abstractBus, 'session', join(tmp.path, 'a.log'), ['org.example.Allowed']));
    stops.push(await startService(systemBus, 'system', join(tmp.path, 's.log'), ['org.example.Allowed', 'org.example.Denied']));
  });
  afterAll(() => {
    for (const s of stops) s();
    abstractBus.stop();
    systemBus.stop();
    tmp.cleanup();
  });

  test('a bus on an abstract socket is reached only through the proxy', () => {
    const env = { DBUS_SESSION_BUS_ADDRESS: abstractBus.address };
    expect(abstractBus.address).toStartWith('unix:abstract=');
    // Control: the abstract socket is reachable without kiln's filter.
    expect(run(ping('org.example.Allowed'), { env }).code).toBe(0);
    expect(kiln(['--quiet', '--noprofile', ...ping('org.example.Allowed')], { env }).code).toBe(0);
    const opts = ['--quiet', '--noprofile', '--dbus-user=filter', '--dbus-user.talk=org.example.Allowed'];
    expect(kiln([...opts, ...ping('org.example.Allowed')], { env }).code).toBe(0);
    // Straight to the abstract socket, around the proxy: refused.
    const around = kiln([...opts, 'env', `DBUS_SESSION_BUS_ADDRESS=${abstractBus.address}`, ...ping('org.example.Allowed')], { env });
    expect(around.code).not.toBe(0);
  });

  test('dbus-system filter: the system bus through the proxy, for root and users alike', () => {
    const env = { DBUS_SYSTEM_BUS_ADDRESS: systemBus.address };
    const opts = ['--quiet', '--noprofile', '--dbus-system=filter', '--dbus-system.talk=org.example.Allowed'];
    expect(kiln([...opts, ...ping('org.example.Allowed', 'Ping', '--system')], { env }).code).toBe(0);
    expect(kiln([...opts, ...ping('org.example.Denied', 'Ping', '--system')], { env }).code).not.toBe(0);
    // Control: unfiltered, the denied name answers.
    expect(kiln(['--quiet', '--noprofile', ...ping('org.example.Denied', 'Ping', '--system')], { env }).code).toBe(0);
    const where = kiln([...opts, '/bin/sh', '-c', 'echo "$DBUS_SYSTEM_BUS_ADDRESS"; test -S /run/dbus/system_bus_socket && echo socket'], { env });
    expect(where.stdout.trim().split('\n')).toEqual(['unix:path=/run/dbus/system_bus_socket', 'socket']);
  });
});
