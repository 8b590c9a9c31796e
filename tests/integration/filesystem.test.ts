/**
 * Filesystem commands in real sandboxes. Every restriction is checked by what the program can do and by
 * what is left on the host afterwards, and each has a control: the same action without the restriction.
 * Where practical the same command line runs under firejail too, and the exit codes must agree.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { chmodSync, existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { IS_ROOT, hasCommand, kiln, run, sandboxSh, tempDir } from '../lib/run.ts';

let dir: string;
let cleanup: () => void;

beforeAll(() => {
  ({ path: dir, cleanup } = tempDir('kiln-fs-'));
  chmodSync(dir, 0o755);
  writeFileSync(join(dir, 'secret'), 'top secret\n');
  writeFileSync(join(dir, 'public'), 'hello\n');
  mkdirSync(join(dir, 'keep'));
  writeFileSync(join(dir, 'keep/data'), 'kept\n');
  mkdirSync(join(dir, 'sub'));
  writeFileSync(join(dir, 'sub/file'), 'in sub\n');
  symlinkSync(join(dir, 'secret'), join(dir, 'link-to-secret'));
  symlinkSync('/etc/hostname', join(dir, 'keep/link-out'));
  symlinkSync(join(dir, 'keep/data'), join(dir, 'keep/link-in'));
  mkdirSync(join(dir, 'bin'));
  writeFileSync(join(dir, 'bin/prog'), readFileSync('/bin/true'), { mode: 0o755 });
  writeFileSync(join(dir, 'bin/script'), '#!/bin/sh\nexit 0\n', { mode: 0o755 });
});
afterAll(() => cleanup());

const HAS_FIREJAIL = hasCommand('firejail');
/** The same snippet under firejail --noprofile, for side-by-side checks. */
function firejailSh(script: string, extra: readonly string[] = []) {
  return run(['firejail', '--quiet', '--noprofile', ...extra, '/bin/sh', '-c', script]);
}

describe('blacklist', () => {
  test('a blacklisted file cannot be read, directly, through a symlink or through a glob', () => {
    const read = `cat ${dir}/secret`;
    expect(sandboxSh(read).code).toBe(0); // control
    expect(sandboxSh(read, [`--blacklist=${dir}/secret`]).code).not.toBe(0);
    expect(sandboxSh(`cat ${dir}/link-to-secret`, [`--blacklist=${dir}/secret`]).code).not.toBe(0);
    expect(sandboxSh(`cat ${dir}/secret`, [`--blacklist=${dir}/link-to-secret`]).code).not.toBe(0);
    expect(sandboxSh(read, [`--blacklist=${dir}/sec*`]).code).not.toBe(0);
    expect(sandboxSh(`cat ${dir}/public`, [`--blacklist=${dir}/sec*`]).code).toBe(0);
  });

  test('a blacklisted directory cannot be listed or entered', () => {
    expect(sandboxSh(`cat ${dir}/sub/file`).code).toBe(0);
    expect(sandboxSh(`cat ${dir}/sub/file`, [`--blacklist=${dir}/sub`]).code).not.toBe(0);
    expect(sandboxSh(`ls ${dir}/sub/`, [`--blacklist=${dir}/sub`]).stdout).toBe('');
  });

  test.skipIf(!HAS_FIREJAIL)('agrees with firejail on what leaks', () => {
    // Firejail's blacklisted file reads as empty for root and fails for others; kiln's always fails to
    // open. What must agree is whether the secret is readable.
    for (const opts of [[`--blacklist=${dir}/secret`], [`--blacklist=${dir}/link-to-secret`], [`--blacklist=${dir}/sec*`], []]) {
      const leak = (r: { stdout: string }) => r.stdout.includes('top secret');
      expect(leak(sandboxSh(`cat ${dir}/secret`, opts))).toBe(leak(firejailSh(`cat ${dir}/secret`, opts)));
    }
  });
});

describe('--debug-blacklists, --debug-whitelists, --debug-private-lib', () => {
  test('list what the rules came to, from a fresh plan and from the cache alike', () => {
    const black = ['--quiet', '--noprofile', '--debug-blacklists', `--blacklist=${dir}/secret`, `--blacklist=${dir}/nonexistent`, 'true'];
    const white = ['--quiet', '--noprofile', '--debug-whitelists', `--whitelist=${dir}/keep`, 'true'];
    for (const env of [{ KILN_PLAN_CACHE: '0' }, {}, {}]) {
      const b = kiln(black, { env });
      expect(b.code).toBe(0);
      expect(b.stderr.split('\n')).toContain(`Disable ${dir}/secret`);
      expect(b.stderr.split('\n')).not.toContain(`Disable ${dir}/nonexistent`); // nothing there to hide
      const w = kiln(white, { env });
      expect(w.code).toBe(0);
      expect(w.stderr.split('\n')).toContain(`Whitelist ${dir}/keep`);
      expect(b.stderr + w.stderr).not.toContain('not enforced');
    }
    // control: without the options, nothing is listed
    expect(kiln(['--quiet', '--noprofile', `--blacklist=${dir}/secret`, 'true']).stderr).not.toContain('Disable');
    const lib = kiln(['--quiet', '--noprofile', '--private-lib', '--debug-private-lib', '/bin/true']);
    expect(lib.code).toBe(0);
    expect(lib.stderr.split('\n').some((l) => /^Private-lib \/.*libc\.so\.6$/.test(l))).toBe(true);
  });
});

describe('blacklists applied by the init stage', () => {
  // Enough blacklisted leaves that kiln hides them in its init stage rather than with bwrap ops
  // (plan/tree.ts hideInInit), and the noexec case, where the init stage runs anyway.
  let many: string;
  beforeAll(() => {
    many = join(dir, 'many');
    mkdirSync(many);
    for (let i = 0; i < 150; i++) {
      mkdirSync(join(many, `d${i}`));
      writeFileSync(join(many, `d${i}`, 'x'), 'dir secret\n');
    }
    for (let i = 0; i < 30; i++) writeFileSync(join(many, `f${i}`), 'file secret\n');
  });
  const hidden = () => [`--blacklist=${many}/d*`, `--blacklist=${many}/f*`];

  test('hides them as bwrap would: nothing readable, directories empty and mode 0000, files unwritable', () => {
    const probe = `cat ${many}/d0/x; cat ${many}/d149/x; cat ${many}/f0; cat ${many}/f29; exit 0`;
    expect(sandboxSh(probe).stdout).toBe('dir secret\ndir secret\nfile secret\nfile secret\n'); // control
    expect(sandboxSh(probe, hidden()).stdout).toBe('');
    const r = sandboxSh(`stat -c %a ${many}/d7 && ls -A ${many}/d7 | wc -l`, hidden());
    expect(r.stdout).toBe('0\n0\n');
    expect(sandboxSh(`echo changed > ${many}/f3`, hidden()).code).not.toBe(0);
    expect(readFileSync(join(many, 'f3'), 'utf8')).toBe('file secret\n');
    expect(sandboxSh(`echo changed > ${many}/f3`).code).toBe(0); // control
    expect(readFileSync(join(many, 'f3'), 'utf8')).toBe('changed\n');
    writeFileSync(join(many, 'f3'), 'file secret\n');
    // The plan really used the init stage for them (else this test would only repeat the ones above).
    expect(kiln(['--debug', '--noprofile', ...hidden(), 'true']).stderr).toContain(`kiln: init step: hide ${many}/d0`);
  });

  test('alongside noexec, a single blacklist goes to the init stage and still hides', () => {
    const opts = [`--blacklist=${dir}/secret`, `--noexec=${dir}/bin`];
    expect(sandboxSh(`cat ${dir}/secret`, opts).code).not.toBe(0);
    expect(sandboxSh(`cat ${dir}/public`, opts).code).toBe(0); // control
    expect(kiln(['--debug', '--noprofile', ...opts, 'true']).stderr).toContain(`kiln: init step: hide ${dir}/secret`);
  });
});

describe('read-only and read-write', () => {
  test('read-only stops writes; the host file is unchanged', () => {
    const write = `echo changed > ${dir}/public`;
    expect(sandboxSh(write, [`--read-only=${dir}`]).code).not.toBe(0);
    expect(readFileSync(join(dir, 'public'), 'utf8')).toBe('hello\n');
    expect(sandboxSh(`echo x > ${dir}/newfile`, [`--read-only=${dir}`]).code).not.toBe(0);
    expect(existsSync(join(dir, 'newfile'))).toBe(false);
    // control
    expect(sandboxSh(`echo changed > ${dir}/sub/file`).code).toBe(0);
    expect(readFileSync(join(dir, 'sub/file'), 'utf8')).toBe('changed\n');
    writeFileSync(join(dir, 'sub/file'), 'in sub\n');
  });

  test('read-write inside a read-only tree', () => {
    const r = sandboxSh(`echo rw > ${dir}/sub/file && ! echo no > ${dir}/public`, [`--read-only=${dir}`, `--read-write=${dir}/sub`]);
    expect(r.code).toBe(0);
    expect(readFileSync(join(dir, 'sub/file'), 'utf8')).toBe('rw\n');
    writeFileSync(join(dir, 'sub/file'), 'in sub\n');
  });

  test('read-only after a blacklist does not re-expose the blacklisted file', () => {
    expect(sandboxSh(`cat ${dir}/secret`, [`--blacklist=${dir}/secret`, `--read-only=${dir}`]).code).not.toBe(0);
    expect(sandboxSh(`cat ${dir}/public`, [`--blacklist=${dir}/secret`, `--read-only=${dir}`]).code).toBe(0);
  });

  test.skipIf(!HAS_FIREJAIL)('agrees with firejail', () => {
    const write = `echo x > ${dir}/sub/probe && rm ${dir}/sub/probe`;
    for (const opts of [[`--read-only=${dir}`], [`--read-only=${dir}`, `--read-write=${dir}/sub`], []]) {
      expect(sandboxSh(write, opts).code === 0).toBe(firejailSh(write, opts).code === 0);
    }
  });
});

describe('noexec', () => {
  test('blocks a binary and a script, and the control runs both', () => {
    for (const prog of ['prog', 'script']) {
      const path = join(dir, 'bin', prog);
      expect(sandboxSh(path).code).toBe(0);
      expect(sandboxSh(path, [`--noexec=${join(dir, 'bin')}`]).code).toBe(126);
    }
  });

  const lib = ['/usr/lib/x86_64-linux-gnu/libz.so.1', '/usr/lib/aarch64-linux-gnu/libz.so.1', '/lib/x86_64-linux-gnu/libz.so.1'].find(existsSync);
  test.skipIf(lib === undefined || !hasCommand('python3'))('blocks mmap(PROT_EXEC) of a shared object', () => {
    writeFileSync(join(dir, 'bin/libcopy.so'), readFileSync(lib as string));
    const load = `python3 -c 'import ctypes; ctypes.CDLL("${dir}/bin/libcopy.so")'`;
    expect(sandboxSh(load).code).toBe(0);
    expect(sandboxSh(load, [`--noexec=${join(dir, 'bin')}`]).code).not.toBe(0);
  });
});

describe('tmpfs and private', () => {
  test('tmpfs hides a directory and discards writes', () => {
    const r = sandboxSh(`test ! -e ${dir}/sub/file && echo new > ${dir}/sub/made`, [`--tmpfs=${dir}/sub`]);
    expect(r.code).toBe(0);
    expect(existsSync(join(dir, 'sub/made'))).toBe(false);
    expect(readFileSync(join(dir, 'sub/file'), 'utf8')).toBe('in sub\n');
  });

  test('private gives an empty home and discards what is written there', () => {
    const home = tempDir('kiln-home-');
    try {
      chmodSync(home.path, 0o755);
      writeFileSync(join(home.path, 'dotfile'), 'mine\n');
      const env = { HOME: home.path };
      expect(sandboxSh('test -e "$HOME/dotfile"', [], { env }).code).toBe(0); // control
      const r = sandboxSh('test ! -e "$HOME/dotfile" && echo x > "$HOME/made"', ['--private'], { env });
      expect(r.code).toBe(0);
      expect(existsSync(join(home.path, 'made'))).toBe(false);
      expect(readFileSync(join(home.path, 'dotfile'), 'utf8')).toBe('mine\n');
    } finally {
      home.cleanup();
    }
  });

  test('private DIR uses DIR as home and keeps what is written there', () => {
    const home = tempDir('kiln-home-');
    const alt = tempDir('kiln-alt-');
    try {
      const r = sandboxSh('echo kept > "$HOME/note"', [`--private=${alt.path}`], { env: { HOME: home.path } });
      expect(r.code).toBe(0);
      expect(readFileSync(join(alt.path, 'note'), 'utf8')).toBe('kept\n');
      expect(existsSync(join(home.path, 'note'))).toBe(false);
    } finally {
      home.cleanup();
      alt.cleanup();
    }
  });

  test('private-home copies the listed files; changes are discarded', () => {
    const home = tempDir('kiln-home-');
    try {
      writeFileSync(join(home.path, 'listed'), 'original\n');
      writeFileSync(join(home.path, 'unlisted'), 'x\n');
      const r = sandboxSh('cat "$HOME/listed" && test ! -e "$HOME/unlisted" && echo changed > "$HOME/listed"', ['--private-home=listed'], {
        env: { HOME: home.path },
      });
      expect(r.code).toBe(0);
      expect(r.stdout).toBe('original\n');
      expect(readFileSync(join(home.path, 'listed'), 'utf8')).toBe('original\n');
    } finally {
      home.cleanup();
    }
  });

  test('private-tmp: an empty /tmp, writes discarded', () => {
    const r = sandboxSh(`test ! -e ${dir}/public && echo x > /tmp/kiln-private-tmp-probe`, ['--private-tmp']);
    expect(r.code).toBe(0);
    expect(existsSync('/tmp/kiln-private-tmp-probe')).toBe(false);
    expect(sandboxSh(`test -e ${dir}/public`).code).toBe(0);
  });

  test('private-etc keeps only the listed names', () => {
    expect(sandboxSh('cat /etc/hostname >/dev/null && test ! -e /etc/passwd', ['--private-etc=hostname']).code).toBe(0);
    expect(sandboxSh('test -e /etc/passwd').code).toBe(0);
  });

  test('private-bin brings in the listed programs and their interpreters only', () => {
    expect(sandboxSh('command -v cat', ['--private-bin=sh,ls']).code).not.toBe(0);
    expect(sandboxSh('ls / >/dev/null', ['--private-bin=sh,ls']).code).toBe(0);
    expect(sandboxSh('command -v cat').code).toBe(0);
  });

  test('private-dev keeps the usual devices and drops the rest', () => {
    const block = (readFileSync('/proc/partitions', 'utf8').split('\n')[2] ?? '').trim().split(/\s+/)[3];
    expect(sandboxSh('test -c /dev/null && test -c /dev/urandom && test -e /dev/pts', ['--private-dev']).code).toBe(0);
    if (block !== undefined && existsSync(`/dev/${block}`)) {
      expect(sandboxSh(`test -e /dev/${block}`).code).toBe(0);
      expect(sandboxSh(`test -e /dev/${block}`, ['--private-dev']).code).not.toBe(0);
    }
  });

  test('machine-id gives the sandbox a different /etc/machine-id', () => {
    if (!existsSync('/etc/machine-id')) return;
    const host = readFileSync('/etc/machine-id', 'utf8');
    const inside = sandboxSh('cat /etc/machine-id', ['--machine-id']).stdout;
    expect(inside).toMatch(/^[0-9a-f]{32}\n$/);
    expect(inside).not.toBe(host);
    expect(sandboxSh('cat /etc/machine-id').stdout).toBe(host);
  });
});

describe('whitelist', () => {
  test('only whitelisted paths under the top directory remain; their changes persist, the rest is discarded', () => {
    const keep = join(dir, 'keep');
    const r = sandboxSh(`cat ${keep}/data && test ! -e ${dir}/public && echo more >> ${keep}/data && echo gone > ${dir}/stray`, [
      `--whitelist=${keep}`,
    ]);
    expect(r.code).toBe(0);
    expect(readFileSync(join(keep, 'data'), 'utf8')).toBe('kept\nmore\n');
    expect(existsSync(join(dir, 'stray'))).toBe(false);
    expect(existsSync(join(dir, 'public'))).toBe(true);
    writeFileSync(join(keep, 'data'), 'kept\n');
  });

  test.skipIf(!existsSync('/run/shm'))('whitelisting a symlink empties the directory it lies in, not the one it points into', () => {
    // /run/shm links to /dev/shm (whitelist-run-common.inc whitelists it): /dev must stay whole.
    const probe = 'test -c /dev/null && test -c /dev/urandom && test -L /run/shm';
    expect(sandboxSh(probe, ['--whitelist=/run/shm']).code).toBe(0);
    expect(sandboxSh(`test -e ${dir}/public`, ['--whitelist=/run/shm']).code).toBe(0); // /tmp untouched too
    if (HAS_FIREJAIL) expect(firejailSh(probe, ['--whitelist=/run/shm']).code).toBe(0);
    expect(sandboxSh('test -c /dev/null', ['--whitelist=/dev/shm']).code).not.toBe(0); // control: /dev itself emptied
  });

  test('a whitelisted symlink exposes a target in its own top directory, not one outside it', () => {
    // link-in points within /tmp: whitelisting the link whitelists its target too
    expect(sandboxSh(`cat ${dir}/keep/link-in`, [`--whitelist=${dir}/keep/link-in`]).code).toBe(0);
    // a link from /tmp into a whitelisted home does not make the home's files visible
    const home = tempDir('kiln-home-');
    try {
      writeFileSync(join(home.path, 'private'), 'home secret\n');
      writeFileSync(join(home.path, 'pub'), 'ok\n');
      symlinkSync(join(home.path, 'private'), join(dir, 'keep/link-home'));
      const env = { HOME: home.path };
      const opts = [`--whitelist=${dir}/keep/link-home`, `--whitelist=${home.path}/pub`];
      expect(sandboxSh(`cat ${home.path}/pub`, opts, { env }).code).toBe(0);
      expect(sandboxSh(`cat ${dir}/keep/link-home`, opts, { env }).stdout).not.toContain('home secret');
      // control: whitelisting the target itself makes it readable through the link
      expect(sandboxSh(`cat ${dir}/keep/link-home`, [...opts, `--whitelist=${home.path}/private`], { env }).stdout).toContain('home secret');
    } finally {
      home.cleanup();
    }
  });

  test.skipIf(!HAS_FIREJAIL)('a whitelisted name that does not exist still empties its top directory, as in firejail', () => {
    const probe = `test -e ${dir}/public`;
    expect(sandboxSh(probe, [`--whitelist=${dir}/no-such-name`]).code).toBe(firejailSh(probe, [`--whitelist=${dir}/no-such-name`]).code);
    expect(sandboxSh(probe, [`--whitelist=${dir}/no-such-name`]).code).not.toBe(0);
  });

  test('whitelist-ro keeps a path visible but read-only', () => {
    const keep = join(dir, 'keep');
    expect(sandboxSh(`cat ${keep}/data && ! echo x >> ${keep}/data`, [`--whitelist-ro=${keep}`]).code).toBe(0);
    expect(readFileSync(join(keep, 'data'), 'utf8')).toBe('kept\n');
  });
});

describe('mkdir and mkfile', () => {
  test('create on the host before the sandbox, so a whitelisted new directory keeps what is written', () => {
    const home = tempDir('kiln-home-');
    try {
      const env = { HOME: home.path };
      const made = join(home.path, '.config/app');
      const r = sandboxSh(`echo saved > ${made}/state && test -f ${home.path}/.config/app.conf`, [
        `--mkdir=${made}`,
        `--mkfile=${home.path}/.config/app.conf`,
        `--whitelist=${made}`,
        `--whitelist=${home.path}/.config/app.conf`,
      ], { env });
      expect(r.code).toBe(0);
      expect(readFileSync(join(made, 'state'), 'utf8')).toBe('saved\n');
      // control: without mkdir the whitelisted directory does not exist, and the write is lost with it
      const other = join(home.path, '.config/other');
      expect(sandboxSh(`mkdir -p ${other} && echo x > ${other}/state`, [`--whitelist=${other}`], { env }).code).toBe(0);
      expect(existsSync(join(other, 'state'))).toBe(false);
    } finally {
      home.cleanup();
    }
  });

  test('refuses to create outside home, /tmp and /run/user', () => {
    expect(sandboxSh('true', ['--mkdir=/etc/kiln-should-not-exist']).code).toBe(1);
    expect(existsSync('/etc/kiln-should-not-exist')).toBe(false);
  });
});

describe('baseline', () => {
  test('kernel symbol and timer files are covered', () => {
    const r = sandboxSh('head -c 200 /proc/kallsyms 2>/dev/null | wc -c');
    expect(r.stdout.trim()).toBe('0');
    expect(run(['sh', '-c', 'head -c 200 /proc/kallsyms | wc -c']).stdout.trim()).not.toBe('0');
  });

  test.skipIf(IS_ROOT)("other users' homes are hidden unless allusers", () => {
    const hostHomes = run(['ls', '/home']).stdout.trim().split('\n').filter((x) => x !== '');
    const inside = sandboxSh('ls /home').stdout.trim().split('\n').filter((x) => x !== '');
    expect(inside.length).toBeLessThanOrEqual(1);
    expect(sandboxSh('ls /home', ['--allusers']).stdout.trim().split('\n').filter((x) => x !== '')).toEqual(hostHomes);
  });

  /** Regular users (uid 1000 up, not nobody) other than the caller, from the host's passwd. */
  const others = readFileSync('/etc/passwd', 'utf8')
    .split('\n')
    .map((l) => l.split(':'))
    .filter((f) => f.length >= 7 && Number(f[2]) >= 1000 && Number(f[2]) !== 65534 && Number(f[2]) !== process.getuid?.())
    .map((f) => f[0] ?? '');
  test.skipIf(IS_ROOT || others.length === 0)("other users' names are gone from passwd and group unless allusers (needs a second account)", () => {
    const probe = `for u in ${others.join(' ')}; do grep -q "^$u:" /etc/passwd && exit 1; grep -q "^$u:\\|[:,]$u\\(,\\|\$\\)" /etc/group && exit 2; done; id -un >/dev/null || exit 3; grep -q "^$(id -un):" /etc/passwd || exit 4; exit 0`;
    expect(sandboxSh(probe).code).toBe(0);
    expect(sandboxSh(probe, ['--allusers']).code).toBe(1); // control: the whole database
    expect(run(['sh', '-c', probe]).code).toBe(1); // and on the host
  });

  test('the kiln config directory in home is read-only', () => {
    const home = tempDir('kiln-home-');
    try {
      mkdirSync(join(home.path, '.config/kiln'), { recursive: true });
      const env = { HOME: home.path };
      expect(sandboxSh('echo x > "$HOME/.config/kiln/evil.profile"', [], { env }).code).not.toBe(0);
      expect(existsSync(join(home.path, '.config/kiln/evil.profile'))).toBe(false);
      expect(sandboxSh('echo x > "$HOME/other"', [], { env }).code).toBe(0); // control
    } finally {
      home.cleanup();
    }
  });

  test.skipIf(!IS_ROOT)('root cannot write /etc, /usr or /proc/sys', () => {
    expect(sandboxSh('touch /etc/kiln-probe').code).not.toBe(0);
    expect(existsSync('/etc/kiln-probe')).toBe(false);
    expect(sandboxSh('touch /etc/kiln-probe; rm -f /etc/kiln-probe', ['--writable-etc']).code).toBe(0);
  });
});
