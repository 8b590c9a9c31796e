/**
 * X11 sandboxing (docs/desktop.md). A host Xvfb stands in for the user's display. Each mode must give the
 * program a working display, keep the host display out of reach by its path socket and by its abstract
 * socket (a control shows both are reachable without kiln's x11 mode), and leave nothing behind.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Subprocess } from 'bun';
import { alive, PYTHON } from '../lib/dbus.ts';
import { hasCommand, kiln, run, tempDir, KILN, IS_ROOT } from '../lib/run.ts';

const ready = hasCommand('Xvfb') && hasCommand('xdpyinfo') && hasCommand('xauth');
const hasXephyr = hasCommand('Xephyr');
const hasXpra = hasCommand('xpra');
const hasSnoopTools = hasCommand('xdotool') && hasCommand('xwd') && hasCommand('xmessage') && hasCommand('xwininfo') && hasCommand('xev');

/** A display number with neither socket nor lock on the host. */
function freeDisplay(from: number): number {
  for (let n = from; ; n++) if (!existsSync(`/tmp/.X11-unix/X${n}`) && !existsSync(`/tmp/.X${n}-lock`)) return n;
}

/** Connects to a unix socket (abstract when `name` starts with @); exit 0 if the connection is accepted. */
const CONNECT = 'import socket,sys\ns=socket.socket(socket.AF_UNIX)\nn=sys.argv[1]\ntry:\n  s.connect("\\0"+n[1:] if n[0]=="@" else n); print("connected")\nexcept OSError as e:\n  print("refused", e.errno); sys.exit(1)';

describe.skipIf(!ready)('x11 modes', () => {
  const tmp = tempDir('kiln-x11-');
  let host: Subprocess;
  let hostOpen: Subprocess;
  let display: number;
  let openDisplay: number;
  let env: Record<string, string>;
  const registryDir = () => (IS_ROOT ? '/run/kiln/sandboxes' : existsSync(`/run/user/${process.getuid?.()}`) ? `/run/user/${process.getuid?.()}/kiln/sandboxes` : `${process.env['HOME']}/.cache/kiln/sandboxes`);

  beforeAll(async () => {
    // The user's display, with a cookie; and one without access control, so that reaching its socket is
    // enough to use it (what a cookie-less attack on the real display would need).
    const auth = join(tmp.path, 'host.auth');
    writeFileSync(auth, '');
    display = freeDisplay(40);
    run(['xauth', '-f', auth, 'add', `:${display}`, 'MIT-MAGIC-COOKIE-1', 'a'.repeat(32)]);
    host = Bun.spawn(['Xvfb', `:${display}`, '-nolisten', 'tcp', '-noreset', '-auth', auth, '-screen', '0', '1024x768x24'], { stdout: 'ignore', stderr: 'ignore' });
    openDisplay = freeDisplay(display + 1);
    hostOpen = Bun.spawn(['Xvfb', `:${openDisplay}`, '-nolisten', 'tcp', '-noreset', '-ac', '-screen', '0', '640x480x24'], { stdout: 'ignore', stderr: 'ignore' });
    env = { DISPLAY: `:${display}`, XAUTHORITY: auth };
    for (let i = 0; i < 100 && !(existsSync(`/tmp/.X11-unix/X${display}`) && existsSync(`/tmp/.X11-unix/X${openDisplay}`)); i++) await Bun.sleep(50);
    expect(run(['xdpyinfo'], { env }).code).toBe(0);
  });
  afterAll(() => {
    host.kill();
    hostOpen.kill();
    tmp.cleanup();
  });

  const modes = ['xvfb', 'xorg', ...(hasXephyr ? ['xephyr'] : []), ...(hasXpra ? ['xpra'] : [])];
  for (const mode of modes) {
    test(`x11 ${mode}: the program has a display, and it is not the user's`, () => {
      const r = kiln(['--quiet', '--noprofile', `--x11=${mode}`, 'xdpyinfo'], { env });
      expect(r.code).toBe(0);
      const dims = /dimensions:\s+(\d+x\d+)/.exec(r.stdout)?.[1];
      // xorg shows the user's server (through an untrusted cookie); the nested ones their own screen.
      expect(dims).toBe(mode === 'xorg' ? '1024x768' : mode === 'xpra' ? '1920x1080' : '800x600');
      const shown = kiln(['--quiet', '--noprofile', `--x11=${mode}`, '/bin/sh', '-c', 'echo "$DISPLAY"; ls -A /tmp/.X11-unix'], { env });
      const [disp, ...files] = shown.stdout.trim().split('\n');
      expect(disp).not.toBe(`:${display}`);
      // Only the sandbox's display socket and its cookie file.
      expect(files.sort()).toEqual(['.kiln-Xauthority', `X${disp?.slice(1)}`].sort());
    });

    test(`x11 ${mode}: the host display is unreachable by path and by abstract socket`, () => {
      const probe = (extra: readonly string[], name: string) => kiln(['--quiet', '--noprofile', ...extra, PYTHON, '-c', CONNECT, name], { env });
      // Controls: without kiln's x11 mode both sockets of the open display accept a connection, and
      // any client can use it.
      expect(probe([], `/tmp/.X11-unix/X${openDisplay}`).code).toBe(0);
      expect(probe([], `@/tmp/.X11-unix/X${openDisplay}`).code).toBe(0);
      expect(kiln(['--quiet', '--noprofile', 'xdpyinfo', '-display', `:${openDisplay}`], { env }).code).toBe(0);
      expect(probe([`--x11=${mode}`], `/tmp/.X11-unix/X${openDisplay}`).code).not.toBe(0);
      expect(probe([`--x11=${mode}`], `@/tmp/.X11-unix/X${openDisplay}`).code).not.toBe(0);
      expect(kiln(['--quiet', '--noprofile', `--x11=${mode}`, 'xdpyinfo', '-display', `:${openDisplay}`], { env }).code).not.toBe(0);
      // The user's cookie is not in the sandbox either.
      const cookie = kiln(['--quiet', '--noprofile', `--x11=${mode}`, '/bin/sh', '-c', `cat '${env['XAUTHORITY']}'`], { env });
      expect(cookie.code).not.toBe(0);
    });

    test(`x11 ${mode}: nothing is left once the sandbox ends`, async () => {
      const p = Bun.spawn([KILN, '--quiet', '--noprofile', `--x11=${mode}`, '/bin/sh', '-c', 'echo "$DISPLAY"; sleep 1'], { env: { ...process.env, ...env }, stdout: 'pipe', stderr: 'inherit' });
      const entry = join(registryDir(), `${p.pid}.json`);
      for (let i = 0; i < 200 && !existsSync(entry); i++) await Bun.sleep(10);
      const helpers = (JSON.parse(readFileSync(entry, 'utf8')) as { helpers?: { name: string; pid: number }[] }).helpers ?? [];
      expect(await p.exited).toBe(0);
      const shown = (await new Response(p.stdout).text()).trim();
      if (mode !== 'xorg') {
        // xpra: its server (which runs its own Xvfb) and the client that shows its windows on the display.
        expect(helpers.map((h) => h.name)).toEqual(mode === 'xpra' ? ['xpra', 'xpra-attach'] : [mode === 'xvfb' ? 'Xvfb' : 'Xephyr']);
        for (let i = 0; i < 200 && helpers.some((h) => alive(h.pid)); i++) await Bun.sleep(10);
        for (const h of helpers) expect(alive(h.pid)).toBe(false);
        for (let i = 0; i < 200 && existsSync(`/tmp/.X11-unix/X${shown.slice(1)}`); i++) await Bun.sleep(10);
        expect(existsSync(`/tmp/.X11-unix/X${shown.slice(1)}`)).toBe(false);
      }
      kiln(['--list']);
      expect(existsSync(join(registryDir(), `${p.pid}.d`))).toBe(false);
    });
  }

  test.skipIf(!hasXephyr)('--xephyr-screen sets the nested display\'s size', () => {
    const r = kiln(['--quiet', '--noprofile', '--x11=xephyr', '--xephyr-screen=640x400', 'xdpyinfo'], { env });
    expect(/dimensions:\s+(\d+x\d+)/.exec(r.stdout)?.[1]).toBe('640x400');
  });

  test('x11 xephyr without a display stops the launch; nothing runs', () => {
    const marker = join(tmp.path, 'ran');
    const r = kiln(['--noprofile', '--x11=xephyr', '/bin/sh', '-c', `touch '${marker}'`], { env: { ...env, DISPLAY: undefined } });
    expect(r.code).not.toBe(0);
    expect(existsSync(marker)).toBe(false);
  });

  test.skipIf(!hasSnoopTools)('x11 xorg: the untrusted client cannot read or snoop another client, where a trusted one can', async () => {
    const target = Bun.spawn(['xmessage', '-name', 'kilntarget', 'hello'], { env: { ...process.env, ...env }, stdout: 'ignore', stderr: 'ignore' });
    try {
      let win = '';
      for (let i = 0; i < 100 && win === ''; i++) {
        await Bun.sleep(50);
        win = /Window id: (0x[0-9a-f]+)/.exec(run(['xwininfo', '-name', 'kilntarget'], { env }).stdout)?.[1] ?? '';
      }
      expect(win).not.toBe('');
      // Reading the window's contents: the trusted client can, the sandbox cannot.
      expect(run(['xwd', '-id', win, '-silent', '-out', '/dev/null'], { env }).code).toBe(0);
      expect(kiln(['--quiet', '--noprofile', '--x11=xorg', 'xwd', '-id', win, '-silent', '-out', '/dev/null'], { env }).code).not.toBe(0);
      // Snooping keystrokes sent to it: count the KeyPress events a listener on that window receives.
      const listen = async (argv: readonly string[]) => {
        const l = Bun.spawn([...argv, 'timeout', '3', 'xev', '-id', win, '-event', 'keyboard'], { env: { ...process.env, ...env }, stdout: 'pipe', stderr: 'ignore' });
        await Bun.sleep(1500);
        run(['xdotool', 'key', '--window', win, 'a'], { env });
        await l.exited;
        return ((await new Response(l.stdout).text()).match(/KeyPress event/g) ?? []).length;
      };
      expect(await listen([])).toBeGreaterThan(0);
      expect(await listen([KILN, '--quiet', '--noprofile', '--x11=xorg'])).toBe(0);
      // The untrusted client sees almost no extensions; the trusted one all of them.
      const count = (r: { stdout: string }) => Number(/number of extensions:\s+(\d+)/.exec(r.stdout)?.[1] ?? -1);
      expect(count(run(['xdpyinfo'], { env }))).toBeGreaterThan(10);
      expect(count(kiln(['--quiet', '--noprofile', '--x11=xorg', 'xdpyinfo'], { env }))).toBeLessThan(5);
    } finally {
      target.kill();
    }
  });

  test('--join gets the same nested display', async () => {
    const name = `x11-join-${process.pid}`;
    const p = Bun.spawn([KILN, '--quiet', '--noprofile', `--name=${name}`, '--x11=xvfb', 'sleep', '30'], { env: { ...process.env, ...env }, stdout: 'ignore', stderr: 'inherit' });
    try {
      let joined = kiln([`--join=${name}`, 'xdpyinfo'], { env });
      for (let i = 0; i < 50 && joined.code !== 0; i++) {
        await Bun.sleep(100);
        joined = kiln([`--join=${name}`, 'xdpyinfo'], { env });
      }
      expect(joined.code).toBe(0);
      expect(/dimensions:\s+(\d+x\d+)/.exec(joined.stdout)?.[1]).toBe('800x600');
      const listed = (JSON.parse(kiln(['--list', '--json'], { env }).stdout) as { name: string; helpers?: { name: string; display?: number }[] }[]).find((s) => s.name === name);
      const display = listed?.helpers?.[0]?.display;
      expect(/name of display:\s+(\S+)/.exec(joined.stdout)?.[1]).toBe(`:${display}`);
    } finally {
      p.kill('SIGKILL');
      await p.exited;
    }
  });

  test('a cached plan follows DISPLAY: x11 xorg shows the display of this launch', () => {
    const dims = (d: number) => /dimensions:\s+(\d+x\d+)/.exec(kiln(['--quiet', '--noprofile', '--x11=xorg', 'xdpyinfo'], { env: { ...env, DISPLAY: `:${d}` } }).stdout)?.[1];
    expect(dims(display)).toBe('1024x768');
    expect(dims(display)).toBe('1024x768');
    expect(dims(openDisplay)).toBe('640x480');
  });

  test('with its own hostname, the sandbox still finds its cookie', () => {
    expect(kiln(['--quiet', '--noprofile', '--x11=xvfb', '--hostname=elsewhere', 'xdpyinfo'], { env }).code).toBe(0);
  });
});
