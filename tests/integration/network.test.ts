/**
 * Sandbox networks, tested in a private network world (tests/lib/networld.ts) with real servers:
 * - user-mode networking (slirp4netns) for an unprivileged caller: reaches the world, not its loopback;
 *   its own devices in /sys; the filter loads and the program cannot undo it; nothing is left behind;
 *   a filter that cannot load stops the launch before the program runs.
 * - root: Firejail's bridge model (veth), addresses checked against the bridge, macvlan, --interface,
 *   --netns, and no interface left behind, SIGKILL included.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { existsSync, mkdtempSync, rmSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eventually, FETCH, makeWorld, serverArgv, type World } from '../lib/networld.ts';
import { hasCommand, IS_ROOT, run } from '../lib/run.ts';

const TOOLS = ['slirp4netns', 'python3', 'iptables-restore', 'nsenter', 'unshare'];
const missing = TOOLS.filter((t) => !hasCommand(t) && !existsSync(`/usr/sbin/${t}`));
const SKIP = missing.length > 0 ? `missing ${missing.join(', ')}` : '';
if (SKIP !== '') console.warn(`network tests skipped: ${SKIP}`);

/** A filter file: drop the program's connections to ADDRESS's $ARG1 port (Firejail's template form). */
const DROP_PORT = ['*filter', ':INPUT ACCEPT [0:0]', ':FORWARD DROP [0:0]', ':OUTPUT ACCEPT [0:0]', '-A OUTPUT -p tcp --dport $ARG1 -j REJECT', 'COMMIT', ''].join('\n');

let world: World;
let files: string;
const WORLD_IP = '10.91.0.1';

/** The sandbox's shell, through `sh -c`, with no user data interpolated. */
const sh = (script: string) => ['/bin/sh', '-c', script];

describe.skipIf(SKIP !== '')('user-mode networking (slirp4netns)', () => {
  beforeAll(() => {
    world = makeWorld('user');
    files = mkdtempSync(join(tmpdir(), 'kiln-net-files-'));
    chmodSync(files, 0o755);
    writeFileSync(join(files, 'index.html'), 'ok\n');
    writeFileSync(join(files, 'drop.net'), DROP_PORT);
    writeFileSync(join(files, 'broken.net'), '*filter\n-A NOSUCHCHAIN -j DROP\nCOMMIT\n');
    for (const f of ['index.html', 'drop.net', 'broken.net']) chmodSync(join(files, f), 0o644);
    // The world's "internet": an address on a bridge, and a private service on the world's loopback.
    world.exec(['ip', 'link', 'add', 'br0', 'type', 'bridge']);
    world.exec(['ip', 'addr', 'add', `${WORLD_IP}/24`, 'dev', 'br0']);
    world.exec(['ip', 'link', 'set', 'br0', 'up']);
    world.spawn(serverArgv(WORLD_IP, 8080, files));
    world.spawn(serverArgv('127.0.0.1', 8081, files));
    expect(eventually(() => world.exec([...FETCH, `http://${WORLD_IP}:8080/`]).code === 0)).toBe(true);
    expect(eventually(() => world.exec([...FETCH, 'http://127.0.0.1:8081/']).code === 0)).toBe(true);
  });
  afterAll(() => {
    world?.cleanup();
    rmSync(files, { recursive: true, force: true });
  });

  test('the sandbox reaches the world through its own eth0 (control: --net=none cannot)', () => {
    const r = world.kilnUser(['--quiet', '--noprofile', '--net=eth0', ...FETCH, `http://${WORLD_IP}:8080/`]);
    expect([r.code, r.stdout.trim()]).toEqual([0, '200']);
    const control = world.kilnUser(['--quiet', '--noprofile', '--net=none', ...FETCH, `http://${WORLD_IP}:8080/`]);
    expect(control.code).toBe(3);
  });

  test("the world's loopback is out of reach (10.0.2.2 is slirp4netns' host); control: the world itself reaches it", () => {
    const r = world.kilnUser(['--quiet', '--noprofile', '--net=eth0', ...FETCH, 'http://10.0.2.2:8081/']);
    expect(r.code).toBe(3);
    expect(world.exec([...FETCH, 'http://127.0.0.1:8081/']).code).toBe(0);
  });

  test('/sys/class/net shows eth0 and lo; resolv.conf names the DNS forwarder; the address is slirp4netns\' .100', () => {
    const r = world.kilnUser(['--quiet', '--noprofile', '--net=eth0', ...sh('ls /sys/class/net; grep ^nameserver /etc/resolv.conf; cat /proc/net/fib_trie | grep -c "10.0.2.100"')]);
    const lines = r.stdout.trim().split('\n');
    expect(r.code).toBe(0);
    expect(lines.slice(0, 3)).toEqual(['eth0', 'lo', 'nameserver 10.0.2.3']);
    expect(Number(lines[3])).toBeGreaterThan(0);
  });

  test('--ip, --dns and --mtu apply; --defaultgw other than the .2 is refused before anything runs', () => {
    const r = world.kilnUser(['--quiet', '--noprofile', '--net=eth0', '--ip=10.0.5.9', '--mtu=1400', '--dns=10.0.5.3', ...sh('cat /sys/class/net/eth0/mtu; grep ^nameserver /etc/resolv.conf; grep -c 10.0.5.9 /proc/net/fib_trie'), ]);
    expect(r.code).toBe(0);
    const [mtu, ns, hits] = r.stdout.trim().split('\n');
    expect([mtu, ns]).toEqual(['1400', 'nameserver 10.0.5.3']);
    expect(Number(hits)).toBeGreaterThan(0);
    const fetched = world.kilnUser(['--quiet', '--noprofile', '--net=eth0', '--ip=10.0.5.9', ...FETCH, `http://${WORLD_IP}:8080/`]);
    expect(fetched.code).toBe(0);
    const marker = join(files, 'ran-gw');
    const bad = world.kilnUser(['--quiet', '--noprofile', '--net=eth0', '--defaultgw=10.0.2.9', 'touch', marker]);
    expect(bad.code).not.toBe(0);
    expect(existsSync(marker)).toBe(false);
  });

  test('--netfilter=FILE,ARG1 blocks what the file says (control: another port passes)', () => {
    const blocked = world.kilnUser(['--quiet', '--noprofile', '--net=eth0', `--netfilter=${join(files, 'drop.net')},8080`, ...FETCH, `http://${WORLD_IP}:8080/`]);
    expect(blocked.code).toBe(3);
    const passes = world.kilnUser(['--quiet', '--noprofile', '--net=eth0', `--netfilter=${join(files, 'drop.net')},9999`, ...FETCH, `http://${WORLD_IP}:8080/`]);
    expect([passes.code, passes.stdout.trim()]).toEqual([0, '200']);
  });

  test('the program cannot flush its filter (control: in a namespace of its own making it can)', () => {
    // nft/iptables need CAP_NET_ADMIN over the namespace; the program has none there.
    const flush = world.kilnUser(['--quiet', '--noprofile', '--net=eth0', `--netfilter=${join(files, 'drop.net')},8080`, ...sh(`iptables -F OUTPUT; ${FETCH.map((a) => `'${a.replace(/'/g, "'\\''")}'`).join(' ')} http://${WORLD_IP}:8080/`)]);
    expect(flush.code).toBe(3);
    const control = run(['unshare', '-rn', 'sh', '-c', 'iptables -A OUTPUT -j ACCEPT && iptables -F OUTPUT']);
    expect(control.code).toBe(0);
  });

  test('the default filter (netfilter) loads, and outbound traffic still works', () => {
    const r = world.kilnUser(['--quiet', '--noprofile', '--net=eth0', '--netfilter', ...FETCH, `http://${WORLD_IP}:8080/`]);
    expect([r.code, r.stdout.trim()]).toEqual([0, '200']);
  });

  test('a filter that does not load stops the launch before the program runs (control: a good one runs it)', () => {
    const marker = join(files, 'ran-broken');
    const bad = world.kilnUser(['--quiet', '--noprofile', '--net=eth0', `--netfilter=${join(files, 'broken.net')}`, 'touch', marker]);
    expect(bad.code).toBe(1);
    expect(existsSync(marker)).toBe(false);
    const good = world.kilnUser(['--quiet', '--noprofile', '--net=eth0', `--netfilter=${join(files, 'drop.net')},1`, 'touch', marker]);
    expect(good.code).toBe(0);
    expect(existsSync(marker)).toBe(true);
  });

  const slirps = () => run(['pgrep', '-x', 'slirp4netns']).stdout.trim();

  test('slirp4netns goes with the sandbox: after it exits, and after SIGKILL of kiln', () => {
    expect(world.kilnUser(['--quiet', '--noprofile', '--net=eth0', 'true']).code).toBe(0);
    expect(eventually(() => slirps() === '')).toBe(true);
    const p = Bun.spawn([...world.userPrefix, '--quiet', '--noprofile', '--net=eth0', 'sleep', '60'], { stdio: ['ignore', 'ignore', 'ignore'] });
    try {
      expect(eventually(() => slirps() !== '')).toBe(true);
      process.kill(p.pid, 0);
    } finally {
      // kiln's pid is tini's by now (nsenter and unshare exec'd along the way: the spawned pid is kiln).
      p.kill(9);
    }
    expect(eventually(() => slirps() === '')).toBe(true);
  });

  test('the default profile with a network: the program runs with its protocol filter, and the network works', () => {
    const r = world.kilnUser(['--quiet', '--net=eth0', ...FETCH, `http://${WORLD_IP}:8080/`]);
    expect([r.code, r.stdout.trim()]).toEqual([0, '200']);
  });
});
