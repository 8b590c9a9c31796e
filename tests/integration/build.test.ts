/**
 * --build and --trace on real programs: a dynamic coreutils program, a static binary built here, a shell
 * script, a Python program that talks TCP to a local listener, and a program that writes ~/.config/NAME.
 * For each, the built profile passes --profile.check, the builder's own verification run passes, the
 * program runs again under it, and the profile blocks something the program did not need — each
 * negative check next to the same action succeeding without the profile.
 *
 * The home is a temporary directory (HOME=…): the user's real files are never touched.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { hasCommand, IS_ROOT, KILN, kiln, run, tempDir, type Result } from '../lib/run.ts';

const hasStrace = hasCommand('strace');
const PY = '/usr/bin/python3';
const hasPython = existsSync(PY);
// A static binary needs gcc and glibc's static library (Debian: gcc and libc6-dev).
const hasStaticCc = hasCommand('gcc') && ['/usr/lib/x86_64-linux-gnu/libc.a', '/usr/lib/aarch64-linux-gnu/libc.a', '/usr/lib/libc.a'].some(existsSync);

let T = '';
let HOME = '';
let cleanup = () => {};
const env = () => ({ HOME });

beforeAll(() => {
  const t = tempDir('kiln-build-');
  T = t.path;
  cleanup = t.cleanup;
  chmodSync(T, 0o755);
  HOME = join(T, 'home');
  mkdirSync(join(HOME, 'other'), { recursive: true });
  writeFileSync(join(HOME, 'other', 'secret'), 'secret\n');
  mkdirSync(join(T, 'data'));
  writeFileSync(join(T, 'data', 'file'), 'data\n');
});
afterAll(() => cleanup());

/** Builds a profile for `program` into T/NAME.profile; the builder's exit status says whether verification passed. */
function build(name: string, program: readonly string[], extra: RunOptionsLike = {}): { result: Result; profile: string; text: string } {
  const profile = join(T, `${name}.profile`);
  const result = kiln(['--quiet', `--build=${profile}`, ...program], { env: { ...env(), ...extra.env }, cwd: T, timeoutMs: 60_000 });
  return { result, profile, text: existsSync(profile) ? readFileSync(profile, 'utf8') : '' };
}
type RunOptionsLike = { readonly env?: Record<string, string> };

function underProfile(profile: string, program: readonly string[]): Result {
  return kiln(['--quiet', `--profile=${profile}`, ...program], { env: env(), cwd: T, timeoutMs: 60_000 });
}

function checkAccepted(profile: string): void {
  const r = kiln([`--profile.check=${profile}`], { env: env() });
  expect(r.code).toBe(0);
  expect(r.stdout).not.toContain('not enforced');
}

describe.skipIf(!hasStrace)('--build (strace installed)', () => {
  test('a dynamic coreutils program: runs again under its profile, and loses the rest of the home', () => {
    const b = build('ls', ['/usr/bin/ls', join(T, 'data')]);
    expect(b.result.code).toBe(0);
    checkAccepted(b.profile);
    expect(b.text).toMatch(/^private-bin ls$/m);
    expect(b.text).toMatch(/^seccomp\.keep .*\bgetdents64\b/m);
    expect(b.text).toMatch(/^net none/m);
    expect(underProfile(b.profile, ['/usr/bin/ls', join(T, 'data')]).code).toBe(0);
    // Another directory of the home: gone under the profile, there without it.
    expect(underProfile(b.profile, ['/usr/bin/ls', join(HOME, 'other')]).code).not.toBe(0);
    expect(run(['/usr/bin/ls', join(HOME, 'other')]).code).toBe(0);
  });

  test.skipIf(!hasStaticCc)('a static binary (gcc -static): its syscall list refuses a call it did not make', () => {
    const src = join(T, 'static.c');
    writeFileSync(
      src,
      `#include <unistd.h>
#include <sys/syscall.h>
#include <errno.h>
#include <string.h>
int main(int argc, char **argv) {
  static const char msg[] = "static\\n";
  syscall(SYS_write, 1, msg, sizeof msg - 1);
  if (argc > 1 && strcmp(argv[1], "extra") == 0) {
    long r = syscall(SYS_getppid);
    return r < 0 ? (errno == EPERM ? 3 : 4) : 0;
  }
  return 0;
}
`,
    );
    const bin = join(T, 'static');
    expect(run(['gcc', '-static', '-O2', '-o', bin, src]).code).toBe(0);
    expect(run(['/bin/sh', '-c', `od -An -tx1 -N4 ${bin}`]).stdout.trim()).toBe('7f 45 4c 46');
    const b = build('static', [bin]);
    expect(b.result.code).toBe(0);
    checkAccepted(b.profile);
    expect(b.text).not.toMatch(/getppid/);
    expect(underProfile(b.profile, [bin]).code).toBe(0);
    // A syscall outside the list is refused (EPERM: exit 3); without kiln it works (exit 0).
    expect(underProfile(b.profile, [bin, 'extra']).code).toBe(3);
    expect(run([bin, 'extra']).code).toBe(0);
  });

  test('a shell script: its interpreter is in private-bin, and a program it did not run is not', () => {
    const script = join(T, 'script.sh');
    writeFileSync(script, `#!/bin/sh\ncat "${join(T, 'data', 'file')}" | wc -l\nif [ "$1" = more ]; then id -u; fi\n`);
    chmodSync(script, 0o755);
    const b = build('script', [script]);
    expect(b.result.code).toBe(0);
    checkAccepted(b.profile);
    const bins = /^private-bin (.*)$/m.exec(b.text)?.[1]?.split(',') ?? [];
    expect(bins).toContain('sh');
    expect(bins).toContain('cat');
    expect(bins).toContain('wc');
    expect(bins).not.toContain('id');
    expect(b.text).not.toMatch(/^include disable-shell\.inc/m);
    expect(underProfile(b.profile, [script]).code).toBe(0);
    // `id` was not run while traced: under the profile it is not there; without it, it runs.
    expect(underProfile(b.profile, [script, 'more']).code).not.toBe(0);
    expect(run([script, 'more']).code).toBe(0);
  });

  test.skipIf(!hasPython)('a Python program with a TCP connection: protocol keeps inet and refuses inet6', async () => {
    const server = Bun.listen({
      hostname: '127.0.0.1',
      port: 0,
      socket: {
        data(s) {
          s.write('pong\n');
          s.end();
        },
      },
    });
    try {
      const client = join(T, 'client.py');
      writeFileSync(
        client,
        `import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=10)
s.sendall(b"ping\\n")
if s.recv(100).strip() != b"pong": sys.exit(5)
if len(sys.argv) > 2:
    try:
        socket.socket(socket.AF_INET6, socket.SOCK_STREAM).close()
    except OSError:
        sys.exit(3)
`,
      );
      const port = String(server.port);
      // Spawned without blocking this process: the listener runs on this thread's event loop.
      const buildRun = async (args: readonly string[]) => {
        const p = Bun.spawn([KILN, ...args], { env: { ...process.env, HOME }, cwd: T, stdout: 'pipe', stderr: 'pipe' });
        await p.exited;
        return p.exitCode;
      };
      const profile = join(T, 'client.profile');
      expect(await buildRun(['--quiet', `--build=${profile}`, PY, client, port])).toBe(0);
      checkAccepted(profile);
      const text = readFileSync(profile, 'utf8');
      expect(/^protocol (.*)$/m.exec(text)?.[1]?.split(',')).toContain('inet');
      expect(text).not.toMatch(/^protocol .*inet6/m);
      expect(text).toMatch(/^netfilter/m);
      expect(text).not.toMatch(/^include disable-interpreters\.inc/m);
      expect(await buildRun(['--quiet', `--profile=${profile}`, PY, client, port])).toBe(0);
      // An inet6 socket: refused under the profile (exit 3), made without it (exit 0).
      expect(await buildRun(['--quiet', `--profile=${profile}`, PY, client, port, 'v6'])).toBe(3);
      const control = Bun.spawn([PY, client, port, 'v6'], { stdout: 'pipe', stderr: 'pipe' });
      await control.exited;
      expect(control.exitCode).toBe(0);
    } finally {
      server.stop(true);
    }
  });

  test('a program that writes ~/.config/NAME: that directory is whitelisted, and the rest of the home is not', () => {
    const writer = join(T, 'writer.sh');
    writeFileSync(
      writer,
      `#!/bin/sh
mkdir -p "$HOME/.config/kilnbuildapp"
echo "x=1" > "$HOME/.config/kilnbuildapp/settings"
if [ "$1" = peek ]; then cat "$HOME/other/secret" >/dev/null; fi
`,
    );
    chmodSync(writer, 0o755);
    const b = build('writer', [writer]);
    expect(b.result.code).toBe(0);
    checkAccepted(b.profile);
    expect(b.text).toMatch(/^whitelist \$\{HOME\}\/\.config\/kilnbuildapp$/m);
    expect(readFileSync(join(HOME, '.config', 'kilnbuildapp', 'settings'), 'utf8')).toBe('x=1\n');
    expect(underProfile(b.profile, [writer]).code).toBe(0);
    expect(underProfile(b.profile, [writer, 'peek']).code).not.toBe(0);
    expect(run([writer, 'peek'], { env: env() }).code).toBe(0);
  });

  test("nothing is left behind: no trace directory in kiln's state directory", () => {
    const stateDirs = IS_ROOT ? ['/run/kiln'] : [`${process.env['XDG_RUNTIME_DIR'] ?? `/run/user/${process.getuid?.()}`}/kiln`, join(HOME, '.cache', 'kiln')];
    for (const dir of stateDirs) {
      if (!existsSync(dir)) continue;
      expect(readdirSync(dir).filter((n) => n.startsWith('build-'))).toEqual([]);
    }
  });

  test('bad input: no program, sandbox options, an existing file', () => {
    // A usage error exits 1 before anything runs, as every other bad option does.
    for (const args of [['--build'], ['--build', '--private', '/usr/bin/true'], ['--build', '--trace', '/usr/bin/true'], ['--trace=', '/usr/bin/true']]) {
      const r = kiln(args, { env: env(), cwd: T });
      expect(r.code).toBe(1);
      expect(r.stderr).toStartWith('kiln: ');
    }
    const existing = join(T, 'existing.profile');
    writeFileSync(existing, '# mine\n');
    const r = kiln(['--quiet', `--build=${existing}`, '/usr/bin/true'], { env: env(), cwd: T });
    expect(r.code).not.toBe(0);
    expect(readFileSync(existing, 'utf8')).toBe('# mine\n');
  });
});

/** Waits until `file` has a line matching `re` (the relay writes a moment after the program ends). */
async function traceLines(file: string, re: RegExp): Promise<string[]> {
  for (let i = 0; i < 200; i++) {
    const lines = existsSync(file) ? readFileSync(file, 'utf8').split('\n') : [];
    if (lines.some((l) => re.test(l))) return lines;
    await Bun.sleep(50);
  }
  return existsSync(file) ? readFileSync(file, 'utf8').split('\n') : [];
}

describe.skipIf(!hasStrace)('--trace (strace installed)', () => {
  test("the program's execs and opens, with flags and results, in Firejail's shape", async () => {
    const out = join(T, 'trace-cat.log');
    const target = join(T, 'data', 'file');
    const r = kiln(['--quiet', '--noprofile', `--trace=${out}`, '/bin/sh', '-c', `cat ${target} >/dev/null; cat ${target}.missing 2>/dev/null; /bin/true`], { cwd: T });
    expect(r.code).toBe(0);
    const lines = await traceLines(out, /:exec \/bin\/true:0$/);
    expect(lines).toContainEqual(expect.stringMatching(/^\d+:cat:exec \/usr\/bin\/cat:0$/));
    expect(lines).toContainEqual(expect.stringMatching(new RegExp(`^\\d+:cat:openat ${target} O_RDONLY:3$`)));
    expect(lines).toContainEqual(expect.stringMatching(new RegExp(`^\\d+:cat:openat ${target}\\.missing O_RDONLY:ENOENT$`)));
    // kiln's own stages before the program (bwrap, the init stage) are not in it.
    expect(lines.some((l) => /bwrap|kiln-init/.test(l))).toBe(false);
  });

  test.skipIf(!hasStaticCc)('a static binary is traced too', async () => {
    const src = join(T, 'opener.c');
    writeFileSync(src, '#include <fcntl.h>\nint main(void) { return open("/etc/hostname", O_RDONLY) < 0; }\n');
    const bin = join(T, 'opener');
    expect(run(['gcc', '-static', '-o', bin, src]).code).toBe(0);
    const out = join(T, 'trace-static.log');
    expect(kiln(['--quiet', '--noprofile', `--trace=${out}`, bin], { cwd: T }).code).toBe(0);
    const lines = await traceLines(out, /openat \/etc\/hostname/);
    expect(lines).toContainEqual(expect.stringMatching(/^\d+:opener:exec .*\/opener:0$/));
    expect(lines).toContainEqual(expect.stringMatching(/^\d+:opener:openat \/etc\/hostname O_RDONLY:\d+$/));
  });

  test.skipIf(!hasPython)('connects are logged; the profile still applies under the tracer', async () => {
    const server = Bun.listen({ hostname: '127.0.0.1', port: 0, socket: { data(s) { s.end(); } } });
    try {
      const code = `import socket,sys\ns=socket.create_connection(("127.0.0.1", ${server.port}))\n`;
      const out = join(T, 'trace-py.log');
      const spawn = async (args: string[]) => {
        const p = Bun.spawn([KILN, ...args], { cwd: T, stdout: 'pipe', stderr: 'pipe' });
        await p.exited;
        return p.exitCode;
      };
      expect(await spawn(['--quiet', '--noprofile', `--trace=${out}`, PY, '-c', code])).toBe(0);
      const lines = await traceLines(out, /connect \d+ 127\.0\.0\.1 port/);
      expect(lines).toContainEqual(expect.stringMatching(new RegExp(`^\\d+:python3[^:]*:connect \\d+ 127\\.0\\.0\\.1 port ${server.port}:0$`)));
      // The tracer weakens nothing: `protocol unix` still refuses the inet socket under --trace.
      expect(await spawn(['--quiet', '--noprofile', '--protocol=unix', `--trace=${join(T, 'trace-py2.log')}`, PY, '-c', code])).not.toBe(0);
    } finally {
      server.stop(true);
    }
  });

  test('kill -9 of kiln ends the sandbox, strace and the relay', async () => {
    const out = join(T, 'trace-kill.log');
    const marker = '31.4159';
    const p = Bun.spawn([KILN, '--quiet', '--noprofile', `--trace=${out}`, '/bin/sleep', marker], { cwd: T, stdout: 'ignore', stderr: 'ignore' });
    await traceLines(out, /:exec \/bin\/sleep:0$|:exec \/usr\/bin\/sleep:0$/);
    // What belongs to this launch: the program and strace name the marker, the relay names T.
    const ours = () =>
      readdirSync('/proc')
        .filter((d) => /^\d+$/.test(d))
        .flatMap((pid) => {
          try {
            const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
            return cmd.includes(marker) || (cmd.some((a) => a.startsWith('--kiln-trace=')) && cmd.includes(T)) ? [pid] : [];
          } catch {
            return [];
          }
        });
    expect(ours().length).toBeGreaterThanOrEqual(3); // strace, the program, the relay at least
    process.kill(p.pid, 'SIGKILL');
    await p.exited;
    for (let i = 0; i < 100 && ours().length > 0; i++) await Bun.sleep(100);
    expect(ours()).toEqual([]);
  });
});
