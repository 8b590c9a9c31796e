/**
 * `private`, `private DIR` and `private-home` in real sandboxes: what the program finds in its home, in
 * /home and /root, what it can write and run there, and what is left on the host afterwards (nothing, but
 * for a private DIR). Each restriction has a control without it; where practical, firejail runs the same
 * probe and the exit codes must agree. Homes are temporary directories (HOME=...), except in the
 * comparisons with firejail, which takes the home from the passwd database: those only read.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { chmodSync, existsSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { IS_ROOT, hasCommand, kiln, run, sandboxSh, tempDir } from '../lib/run.ts';

const HAS_FIREJAIL = hasCommand('firejail');
const UID = process.getuid?.() ?? -1;

/** The caller's passwd entry: where firejail puts the home, and the shell that picks the skel file. */
function passwd(): { home: string; shell: string } {
  for (const line of readFileSync('/etc/passwd', 'utf8').split('\n')) {
    const f = line.split(':');
    if (Number(f[2]) === UID) return { home: f[5] ?? '/', shell: f[6] ?? '/bin/sh' };
  }
  return { home: '/', shell: '/bin/sh' };
}
const SHELL = passwd().shell.slice(passwd().shell.lastIndexOf('/') + 1);
/** The start-up file a private home gets from /etc/skel, as in Firejail. */
const RC = SHELL === 'zsh' ? '.zshrc' : SHELL === 'csh' || SHELL === 'tcsh' ? '.cshrc' : '.bashrc';
const SKEL_RC = `/etc/skel/${RC}`;

/** A regular user's home under /home, for root's view of other users' homes. */
function someUserHome(): string | undefined {
  if (!existsSync('/home')) return undefined;
  const names = readdirSync('/home').filter((n) => statSync(join('/home', n)).isDirectory());
  return names.length === 0 ? undefined : join('/home', names[0] ?? '');
}
const OTHER = someUserHome();

let home: string;
let cleanup: () => void;
const env = () => ({ HOME: home });

beforeAll(() => {
  ({ path: home, cleanup } = tempDir('kiln-private-'));
  chmodSync(home, 0o755);
  writeFileSync(join(home, '.Xauthority'), 'x-cookie\n', { mode: 0o600 });
  writeFileSync(join(home, '.asoundrc'), 'alsa\n');
  writeFileSync(join(home, RC), '# my own start-up file\n');
  writeFileSync(join(home, 'dotfile'), 'mine\n');
  writeFileSync(join(home, 'mk.profile'), 'mkdir ${HOME}/made-dir/sub\nmkfile ${HOME}/made-file\n');
});
afterAll(() => cleanup());

/** What is in the home on the host now, the test's own files excepted, and kiln's state. */
function strays(dir: string): string[] {
  return readdirSync(dir).filter((n) => !['.Xauthority', '.asoundrc', RC, 'dotfile', 'mk.profile', '.cache', '.config'].includes(n));
}

describe('root: private hides /home', () => {
  test.skipIf(!IS_ROOT || OTHER === undefined)("root's private shows no user's home, and writes there fail", () => {
    const other = OTHER ?? '/nonexistent';
    const probe = `test ! -e ${other} && test -z "$(ls -A /home)"`;
    expect(sandboxSh(`test -d ${other}`, [], { env: env() }).code).toBe(0); // control: root sees it
    for (const opts of [['--private'], [`--private=${home}`], ['--private-home=dotfile']]) {
      expect(sandboxSh(probe, opts, { env: env() }).code).toBe(0);
      expect(sandboxSh(`touch ${other}/kiln-private-probe`, opts, { env: env() }).code).not.toBe(0);
    }
    expect(existsSync(`${other}/kiln-private-probe`)).toBe(false);
    // allusers keeps the homes, as in Firejail
    expect(sandboxSh(`test -d ${other}`, ['--private', '--allusers'], { env: env() }).code).toBe(0);
  });

  test.skipIf(!IS_ROOT || OTHER === undefined || !existsSync('/etc/firejail/server.profile'))(
    "with Firejail's server.profile (which says private), the same",
    () => {
      const other = OTHER ?? '/nonexistent';
      const r = kiln(['--quiet', '--profile=/etc/firejail/server.profile', '/bin/sh', '-c', `test ! -e ${other} && test -z "$(ls -A /home)"`], { env: env() });
      expect(r.code).toBe(0);
      // control: the same profile without private leaves /home alone
      const c = kiln(['--quiet', '--profile=/etc/firejail/server.profile', '--ignore=private', '/bin/sh', '-c', `test -d ${other}`], { env: env() });
      expect(c.code).toBe(0);
    },
  );

  test.skipIf(!IS_ROOT)('what root writes to /home and /root in a private sandbox is gone afterwards', () => {
    const name = `kiln-private-probe-${process.pid}`;
    const r = sandboxSh(`touch /home/${name} /root/${name} "$HOME/${name}"`, ['--private'], { env: env() });
    expect(r.code).toBe(0);
    expect(existsSync(`/home/${name}`) || existsSync(`/root/${name}`) || existsSync(join(home, name))).toBe(false);
  });
});

describe('the private home', () => {
  test('holds the skel start-up file, .inputrc and copies of .Xauthority and .asoundrc, and no stray ~/.cache', () => {
    const names = (opts: string[]) => sandboxSh('ls -A "$HOME"', opts, { env: env() }).stdout.split('\n').filter((n) => n !== '').sort();
    const expected = [...(existsSync(SKEL_RC) ? [RC] : []), '.Xauthority', '.asoundrc', '.inputrc'].sort();
    expect(names(['--private'])).toEqual(expected);
    expect(names(['--private-home=dotfile'])).toEqual([...expected, 'dotfile'].sort());
    expect(names(['--private', '--tab'])).toEqual(expected.filter((n) => n !== '.inputrc'));
    // control: without private, the real home's files
    expect(names([])).toEqual(expect.arrayContaining(['dotfile', 'mk.profile']));
  });

  test('the copies have the host\'s contents, and writes to them stay in the sandbox', () => {
    const r = sandboxSh('cat "$HOME/.Xauthority" "$HOME/.asoundrc" && echo changed >> "$HOME/.Xauthority" && echo changed >> "$HOME/.asoundrc"', ['--private'], {
      env: env(),
    });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('x-cookie\nalsa\n');
    expect(readFileSync(join(home, '.Xauthority'), 'utf8')).toBe('x-cookie\n');
    expect(readFileSync(join(home, '.asoundrc'), 'utf8')).toBe('alsa\n');
  });

  test.skipIf(!existsSync(SKEL_RC))(`${RC} is /etc/skel's, as in Firejail, and a write to it changes no host file`, () => {
    const r = sandboxSh(`cat "$HOME/${RC}" && echo changed >> "$HOME/${RC}" && tail -n 1 "$HOME/${RC}"`, ['--private'], { env: env() });
    expect(r.code).toBe(0);
    const skel = readFileSync(SKEL_RC, 'utf8');
    expect(r.stdout).toBe(`${skel}changed\n`);
    expect(readFileSync(SKEL_RC, 'utf8')).toBe(skel);
    expect(readFileSync(join(home, RC), 'utf8')).toBe('# my own start-up file\n');
    // control: without private the program sees the user's own
    expect(sandboxSh(`cat "$HOME/${RC}"`, [], { env: env() }).stdout).toBe('# my own start-up file\n');
  });

  test('nothing written in the home persists, and private (unlike private-home) cannot run what it wrote there', () => {
    const write = 'echo x > "$HOME/new-file" && mkdir "$HOME/new-dir"';
    for (const opts of [['--private'], ['--private-home=dotfile']]) expect(sandboxSh(write, opts, { env: env() }).code).toBe(0);
    expect(strays(home)).toEqual([]);
    const exec = 'cp /bin/true "$HOME/prog" && "$HOME/prog"';
    expect(sandboxSh(exec, ['--private'], { env: env() }).code).not.toBe(0);
    expect(sandboxSh(exec, ['--private-home=dotfile'], { env: env() }).code).toBe(0); // control
  });

  test('whitelists of the real home are ignored under a private home', () => {
    const probe = 'cat "$HOME/dotfile"';
    expect(sandboxSh(probe, [`--whitelist=${home}/dotfile`], { env: env() }).stdout).toBe('mine\n'); // control
    for (const opts of [['--private'], ['--private-home=.asoundrc']]) {
      expect(sandboxSh(probe, [...opts, `--whitelist=${home}/dotfile`], { env: env() }).code).not.toBe(0);
    }
  });

  test.skipIf(!HAS_FIREJAIL)('agrees with firejail on /home, /root and the home, for the caller as it is', () => {
    // The caller's real home (firejail reads it from passwd); nothing here writes to the host.
    const probes = [
      'ls -A "$HOME"',
      'ls -A /home',
      'test -r /root && ls -A /root',
      'touch /home/kiln-probe',
      'touch "$HOME/kiln-probe"',
      'cp /bin/true "$HOME/kiln-prog" && "$HOME/kiln-prog"',
    ];
    const { home: realHome } = passwd();
    for (const probe of probes) {
      const fj = run(['firejail', '--quiet', '--noprofile', '--private', '/bin/sh', '-c', probe]);
      const k = kiln(['--quiet', '--noprofile', '--private', '/bin/sh', '-c', probe], { env: { HOME: realHome, KILN_PLAN_CACHE: '0' } });
      expect([probe, k.code, k.stdout]).toEqual([probe, fj.code, fj.stdout]);
    }
    expect(existsSync('/home/kiln-probe') || existsSync(join(realHome, 'kiln-probe')) || existsSync(join(realHome, 'kiln-prog'))).toBe(false);
  });
});

describe('private DIR', () => {
  test('DIR is the home: writes persist there, and blacklists or kiln\'s own hiding leave nothing behind in it', () => {
    const alt = tempDir('kiln-private-dir-');
    try {
      const r = sandboxSh('echo kept > "$HOME/note" && test ! -e "$HOME/.cache"', [`--private=${alt.path}`, `--blacklist=${home}/dotfile`, `--blacklist=${home}/.cache`], {
        env: env(),
      });
      expect(r.code).toBe(0);
      expect(readdirSync(alt.path)).toEqual(['note']);
      // control: a blacklist of what DIR does have hides it
      const c = sandboxSh('cat "$HOME/note"', [`--private=${alt.path}`, `--blacklist=${home}/note`], { env: env() });
      expect(c.code).not.toBe(0);
      expect(readdirSync(alt.path)).toEqual(['note']);
    } finally {
      alt.cleanup();
    }
  });
});

describe('mkdir and mkfile with a private home', () => {
  const profile = () => `--profile=${join(home, 'mk.profile')}`;
  const probe = 'test -d "$HOME/made-dir/sub" && test -f "$HOME/made-file" && test ! -s "$HOME/made-file"';

  test('private and private-home: the program sees them, the real home does not get them', () => {
    for (const opts of [['--private'], ['--private-home=dotfile']]) {
      // twice: the second launch may come from the plan cache
      for (let i = 0; i < 2; i++) {
        const r = kiln(['--quiet', profile(), ...opts, '/bin/sh', '-c', probe], { env: env() });
        expect(r.code).toBe(0);
        expect(existsSync(join(home, 'made-dir'))).toBe(false);
        expect(existsSync(join(home, 'made-file'))).toBe(false);
      }
    }
  });

  test('private DIR: they are made in DIR, which is the home', () => {
    const alt = tempDir('kiln-private-dir-');
    try {
      const r = kiln(['--quiet', profile(), `--private=${alt.path}`, '/bin/sh', '-c', probe], { env: env() });
      expect(r.code).toBe(0);
      expect(statSync(join(alt.path, 'made-dir/sub')).isDirectory()).toBe(true);
      expect(statSync(join(alt.path, 'made-file')).isFile()).toBe(true);
      expect(existsSync(join(home, 'made-dir')) || existsSync(join(home, 'made-file'))).toBe(false);
    } finally {
      alt.cleanup();
    }
  });

  test('control: without private they are made in the real home, as Firejail does', () => {
    try {
      const r = kiln(['--quiet', profile(), '/bin/sh', '-c', probe], { env: env() });
      expect(r.code).toBe(0);
      expect(statSync(join(home, 'made-dir/sub')).isDirectory()).toBe(true);
      expect(statSync(join(home, 'made-file')).isFile()).toBe(true);
      expect(statSync(join(home, 'made-dir')).mode & 0o777).toBe(0o700);
      expect(statSync(join(home, 'made-file')).mode & 0o777).toBe(0o600);
    } finally {
      for (const p of ['made-dir/sub', 'made-dir']) if (existsSync(join(home, p))) run(['rmdir', join(home, p)]);
      if (existsSync(join(home, 'made-file'))) run(['rm', '-f', join(home, 'made-file')]);
    }
  });

  test('private-tmp: a path in /tmp is made in the private /tmp only', () => {
    const name = `/tmp/kiln-private-mk-${process.pid}`;
    const p = join(home, 'tmp.profile');
    writeFileSync(p, `mkdir ${name}/sub\n`);
    try {
      expect(kiln(['--quiet', `--profile=${p}`, '--private-tmp', '/bin/sh', '-c', `test -d ${name}/sub`], { env: env() }).code).toBe(0);
      expect(existsSync(name)).toBe(false);
    } finally {
      if (existsSync(name)) run(['rm', '-rf', name]);
      run(['rm', '-f', p]);
    }
  });
});
