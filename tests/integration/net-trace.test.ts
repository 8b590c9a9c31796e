/**
 * The network monitors (--nettrace, --dnstrace, --icmptrace, --snitrace) on real traffic in a private
 * network world (tests/lib/networld.ts): a sandbox runs an actor that does what the test asks (looks a
 * name up, connects, sends to a closed port, starts a TLS handshake), and the monitor's lines are matched
 * against it, with controls: what the actor did not do is not printed.
 *
 * The actor first repeats a warm-up probe until the test has seen it in the monitor's output (so the
 * capture is running), then acts once, then repeats an end probe: once that is printed, everything the
 * actor did before has been (tcpdump keeps the order). No timing is assumed.
 *
 * - user-mode (slirp4netns) sandboxes, monitored by their owner, whoever runs the tests;
 * - root's sandboxes on a bridge, as root.
 * Plus: the monitor ends with the sandbox, on SIGTERM, and takes tcpdump with it when killed with SIGKILL;
 * a sandbox without a network of its own is refused.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { chmodSync, closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eventually, FETCH, makeWorld, serverArgv, type World } from '../lib/networld.ts';
import { hasCommand, IS_ROOT, KILN, run } from '../lib/run.ts';

const TOOLS = ['tcpdump', 'slirp4netns', 'python3', 'nsenter', 'unshare', 'setpriv'];
const missing = TOOLS.filter((t) => !hasCommand(t) && !existsSync(`/usr/sbin/${t}`));
const SKIP = missing.length > 0 ? `missing ${missing.join(', ')}` : '';
if (SKIP !== '') console.warn(`network monitor tests skipped: ${SKIP}`);
else if (!IS_ROOT) console.warn("network monitor tests of root's sandboxes skipped: not root");

const PY = '/usr/bin/python3';

/** The sandbox's actor: MODE DIR SERVER. See the file comment. */
const ACTOR = `
import os, socket, ssl, sys, time
mode, d, server = sys.argv[1:4]
def dns(name):
    try: socket.getaddrinfo(name, 80, socket.AF_INET, socket.SOCK_STREAM)
    except OSError: pass
def udp(port):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try: s.sendto(b'kiln', (server, port))
    except OSError: pass
    s.close()
def tcp(port):
    s = socket.socket(); s.settimeout(3)
    try: s.connect((server, port))
    except OSError: pass
    s.close()
def tls(name):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE
    try:
        s = socket.create_connection((server, 443), timeout=3)
        ctx.wrap_socket(s, server_hostname=name).close()
    except OSError: pass
def probe(tag):
    if mode == 'dns': dns(tag + '.kiln.test')
    elif mode == 'sni': tls(tag + '.kiln.test')
    else: udp(7001 if tag == 'warmup' else 7002)
def act():
    if mode == 'dns': dns('looked-up.kiln.test')
    elif mode == 'net': tcp(8080); udp(9999)
    elif mode == 'icmp': udp(7003); udp(53)
    elif mode == 'sni': tls('sni-target.kiln.test')
there = lambda f: os.path.exists(os.path.join(d, f))
open(os.path.join(d, 'started'), 'w').close()
while not there('go'):
    probe('warmup'); time.sleep(0.2)
act()
while not there('stop'):
    probe('end'); time.sleep(0.2)
`;

/** A UDP responder on ADDRESS:53: answers every query NXDOMAIN at once (so lookups do not wait). */
const DNS_RESPONDER = `
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind((sys.argv[1], 53))
while True:
    data, peer = s.recvfrom(4096)
    if len(data) >= 12: s.sendto(data[:2] + b'\\x81\\x83' + data[4:], peer)
`;

/** A TCP listener on ADDRESS:443 that reads what a client sends first and hangs up (no TLS). */
const TLS_LISTENER = `
import socket, sys
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind((sys.argv[1], 443)); s.listen(16)
while True:
    c, _ = s.accept(); c.settimeout(2)
    try: c.recv(65536)
    except OSError: pass
    c.close()
`;

type Kind = 'net' | 'dns' | 'icmp' | 'sni';

/** What shows the capture has started, and what shows the actor is done. */
const MARKS: Readonly<Record<Kind, { warm: string; end: string }>> = {
  net: { warm: ':7001 (UDP)', end: ':7002 (UDP)' },
  dns: { warm: 'warmup.kiln.test (type 1)', end: 'end.kiln.test (type 1)' },
  icmp: { warm: 'udp port 7001 unreachable', end: 'udp port 7002 unreachable' },
  sni: { warm: 'warmup.kiln.test', end: 'end.kiln.test' },
};

interface Setup {
  readonly world: World;
  readonly server: string;
  /** kiln's prefix for a sandbox, and the sandbox's network options. */
  readonly sandboxPrefix: readonly string[];
  readonly netArgs: readonly string[];
  /** kiln's prefix for the monitor, given the sandbox's kiln pid. */
  readonly monitorPrefix: (sandboxPid: number) => string[];
}

interface Running {
  readonly dir: string;
  readonly name: string;
  readonly sandbox: ReturnType<typeof Bun.spawn>;
  readonly monitor: ReturnType<typeof Bun.spawn>;
  readonly out: () => string;
  readonly cleanup: () => void;
}

let seq = 0;

/** Starts a sandbox running the actor and, once it runs, the monitor on it. */
function start(s: Setup, kind: Kind, extra: readonly string[] = []): Running {
  const dir = mkdtempSync(join(tmpdir(), `kiln-trace-${kind}-`));
  chmodSync(dir, 0o777);
  writeFileSync(join(dir, 'actor.py'), ACTOR);
  chmodSync(join(dir, 'actor.py'), 0o644);
  const name = `trace-${kind}-${process.pid}-${seq++}`;
  const sandbox = Bun.spawn([...s.sandboxPrefix, '--quiet', '--noprofile', `--name=${name}`, ...s.netArgs, ...extra, PY, join(dir, 'actor.py'), kind, dir, s.server], { stdio: ['ignore', 'ignore', 'inherit'] });
  const ok = eventually(() => existsSync(join(dir, 'started')), 400);
  const outFd = openSync(join(dir, 'out'), 'w');
  const monitor = Bun.spawn([...s.monitorPrefix(sandbox.pid), `--${kind}trace=${name}`], { stdio: ['ignore', outFd, 'inherit'] });
  closeSync(outFd);
  if (!ok) throw new Error('the sandbox did not start its actor');
  return {
    dir,
    name,
    sandbox,
    monitor,
    out: () => readFileSync(join(dir, 'out'), 'utf8'),
    cleanup: () => {
      monitor.kill(9);
      sandbox.kill(9);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Runs the actor's act between the warm-up and the end probe; returns the monitor's output. */
function traced(s: Setup, kind: Kind): string {
  const r = start(s, kind);
  try {
    expect(eventually(() => r.out().includes(MARKS[kind].warm), 400)).toBe(true);
    writeFileSync(join(r.dir, 'go'), '');
    expect(eventually(() => r.out().includes(MARKS[kind].end), 400)).toBe(true);
    return r.out();
  } finally {
    writeFileSync(join(r.dir, 'stop'), '');
    r.cleanup();
  }
}

/** The tcpdump that is a child of `pid` (nsenter and the init stage exec into it). */
function tcpdumpChild(pid: number): number | undefined {
  const r = run(['pgrep', '-P', String(pid), '-x', 'tcpdump']);
  const first = r.stdout.trim().split('\n')[0] ?? '';
  return first === '' ? undefined : Number(first);
}

const alive = (pid: number) => {
  const stat = run(['cat', `/proc/${pid}/stat`]).stdout;
  return stat !== '' && !/^\d+ \([^)]*\) Z/.test(stat);
};

/** If a test failed because a tcpdump outlived its monitor, it must not outlive the test too. */
function reap(pids: readonly number[]): void {
  for (const pid of pids) if (pid > 0 && alive(pid) && run(['cat', `/proc/${pid}/comm`]).stdout.trim() === 'tcpdump') process.kill(pid, 'SIGKILL');
}

function monitorTests(label: string, setup: () => Setup, sandboxAddress: RegExp): void {
  let s: Setup;
  beforeAll(() => {
    s = setup();
  });
  afterAll(() => {
    s?.world.cleanup();
  });

  test(`${label}: --dnstrace prints the names the sandbox looked up, with the server asked (control: a name not looked up)`, () => {
    const out = traced(s, 'dns');
    expect(out).toContain(`${s.server}  looked-up.kiln.test (type 1)`);
    expect(out).not.toContain('never-looked-up.kiln.test');
    expect(out.split('\n').filter((l) => l.includes('looked-up.kiln.test')).every((l) => /^\d\d:\d\d:\d\d  /.test(l))).toBe(true);
  });

  test(`${label}: --nettrace prints the TCP connection and the UDP flow the sandbox made (control: a port it did not use)`, () => {
    const out = traced(s, 'net');
    const tcp = out.split('\n').filter((l) => l.endsWith(`=> ${s.server}:8080 (TCP)`));
    expect(tcp.length).toBe(1);
    expect(tcp[0]).toMatch(sandboxAddress);
    expect(out.split('\n').filter((l) => l.endsWith(`=> ${s.server}:9999 (UDP)`)).length).toBe(1);
    expect(out).not.toContain(':8081');
    // One line per connection, not per packet: the HTTP server's answer is not a line of its own.
    expect(out).not.toContain(`${s.server}:8080 =>`);
  });

  test(`${label}: --icmptrace prints the port-unreachable the world sent back (control: a port with a listener gets none)`, () => {
    const out = traced(s, 'icmp');
    expect(out).toMatch(new RegExp(`${s.server.replace(/\./g, '\\.')} -> \\S+ - .*udp port 7003 unreachable`));
    expect(out).not.toContain('udp port 53 unreachable');
  });

  test(`${label}: --snitrace prints the server name of the TLS handshake, with the server's address (control: a name not used)`, () => {
    const out = traced(s, 'sni');
    expect(out).toContain(`${s.server}  sni-target.kiln.test`);
    expect(out).not.toContain('not-contacted.kiln.test');
  });

  test(`${label}: the monitor ends with the sandbox, and tcpdump with it`, async () => {
    const r = start(s, 'net');
    const dumps: number[] = [];
    try {
      expect(eventually(() => r.out().includes(MARKS.net.warm), 400)).toBe(true);
      const dump = tcpdumpChild(r.monitor.pid);
      expect(dump).toBeDefined();
      dumps.push(dump ?? 0);
      writeFileSync(join(r.dir, 'go'), '');
      writeFileSync(join(r.dir, 'stop'), '');
      expect(await r.sandbox.exited).toBe(0);
      expect(await r.monitor.exited).toBe(0);
      expect(eventually(() => !alive(dump ?? 0))).toBe(true);
    } finally {
      r.cleanup();
      reap(dumps);
    }
  });

  test(`${label}: SIGTERM ends the monitor (status 0) and tcpdump; SIGKILL of the monitor leaves no tcpdump`, async () => {
    const r = start(s, 'net');
    const dumps: number[] = [];
    try {
      expect(eventually(() => r.out().includes(MARKS.net.warm), 400)).toBe(true);
      const first = tcpdumpChild(r.monitor.pid) ?? 0;
      dumps.push(first);
      expect(alive(first)).toBe(true);
      r.monitor.kill('SIGTERM');
      expect(await r.monitor.exited).toBe(0);
      expect(eventually(() => !alive(first))).toBe(true);
      // A second monitor on the same sandbox, killed outright. NOTE: --dnstrace, which the actor's probes
      // (UDP to port 7001) give nothing to print: tcpdump never writes to the dead pipe, so only the
      // parent-death signal can end it, not SIGPIPE.
      const second = Bun.spawn([...s.monitorPrefix(r.sandbox.pid), `--dnstrace=${r.name}`], { stdio: ['ignore', 'pipe', 'ignore'] });
      expect(eventually(() => tcpdumpChild(second.pid) !== undefined, 400)).toBe(true);
      const dump = tcpdumpChild(second.pid) ?? 0;
      dumps.push(dump);
      expect(alive(dump)).toBe(true);
      second.kill(9);
      await second.exited;
      expect(await new Response(second.stdout).text()).toBe('');
      expect(eventually(() => !alive(dump))).toBe(true);
      // Control: the sandbox is still running; only the monitor went.
      expect(r.sandbox.exitCode).toBeNull();
    } finally {
      writeFileSync(join(r.dir, 'stop'), '');
      r.cleanup();
      reap(dumps);
    }
  });

  test(`${label}: a sandbox without a network of its own is refused with status 1 (control: the same sandbox with one is monitored)`, async () => {
    // net none, and the world's own network: no namespace with interfaces of the sandbox's own.
    for (const [net, code] of [[['--net=none'], 1], [[], 1], [s.netArgs, null]] as const) {
      const r = start({ ...s, netArgs: net }, 'net');
      try {
        if (code === null) {
          expect(eventually(() => r.out().includes(MARKS.net.warm), 400)).toBe(true);
          expect(r.monitor.exitCode).toBeNull();
        } else {
          expect(await r.monitor.exited).toBe(code);
          expect(r.out()).toBe('');
          // Refused while the sandbox runs (not "no such sandbox").
          expect(r.sandbox.exitCode).toBeNull();
        }
      } finally {
        writeFileSync(join(r.dir, 'stop'), '');
        r.cleanup();
      }
    }
  });
}

/** The world's services: the web server (8080), the DNS responder, the TLS listener; ICMP errors unthrottled. */
function populate(world: World, server: string, files: string): void {
  world.exec(['ip', 'link', 'add', 'br0', 'type', 'bridge']);
  world.exec(['ip', 'addr', 'add', `${server}/24`, 'dev', 'br0']);
  world.exec(['ip', 'link', 'set', 'br0', 'up']);
  // The kernel sends at most one ICMP error a second to a peer after a burst; the actor's probes would
  // otherwise be dropped at random.
  world.exec(['sysctl', '-q', '-w', 'net.ipv4.icmp_ratelimit=0']);
  world.spawn(serverArgv(server, 8080, files));
  world.spawn([PY, '-c', DNS_RESPONDER, server]);
  world.spawn([PY, '-c', TLS_LISTENER, server]);
  expect(eventually(() => world.exec([...FETCH, `http://${server}:8080/`]).code === 0)).toBe(true);
}

let files: string;
beforeAll(() => {
  files = mkdtempSync(join(tmpdir(), 'kiln-trace-files-'));
  chmodSync(files, 0o755);
  writeFileSync(join(files, 'index.html'), 'ok\n');
  chmodSync(join(files, 'index.html'), 0o644);
});
afterAll(() => rmSync(files, { recursive: true, force: true }));

describe.skipIf(SKIP !== '')('network monitors of a user-mode sandbox, by its owner', () => {
  const server = '10.92.0.1';
  monitorTests(
    'user',
    () => {
      const world = makeWorld('trace-user');
      populate(world, server, files);
      const home = world.userPrefix.find((a) => a.startsWith('HOME=')) ?? '';
      return {
        world,
        server,
        sandboxPrefix: world.userPrefix,
        netArgs: ['--net=eth0', `--dns=${server}`],
        // The owner, as kiln sees it: the uid of the sandbox's own user namespace (below the world's),
        // entered from its kiln's pid.
        monitorPrefix: (pid) => ['nsenter', '-t', String(pid), '-U', '--preserve-credentials', '--', 'env', '-u', 'XDG_RUNTIME_DIR', home, KILN],
      };
    },
    /^\d\d:\d\d:\d\d {2}10\.0\.2\.100:\d+ => /,
  );
});

describe.skipIf(SKIP !== '' || !IS_ROOT)("network monitors of root's sandbox on a bridge, as root", () => {
  const server = '10.96.0.1';
  monitorTests(
    'root',
    () => {
      const world = makeWorld('trace-root');
      populate(world, server, files);
      return { world, server, sandboxPrefix: world.rootPrefix, netArgs: ['--net=br0', `--dns=${server}`], monitorPrefix: () => [...world.rootPrefix] };
    },
    /^\d\d:\d\d:\d\d {2}10\.96\.0\.\d+:\d+ => /,
  );
});
