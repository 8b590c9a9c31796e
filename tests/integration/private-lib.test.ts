/**
 * private-lib in real sandboxes: the library directories hold only what the program needs, and the
 * program still runs. Judged by exit codes, by what the sandbox can see and by the host afterwards; every
 * "absent inside" has its control, the same check without --private-lib.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { chmodSync, existsSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { kiln, tempDir, type Result } from '../lib/run.ts';

const TRIPLETS: Record<string, string> = { x64: 'x86_64-linux-gnu', arm64: 'aarch64-linux-gnu' };
const TRIPLET = TRIPLETS[process.arch] ?? 'x86_64-linux-gnu';
const MULTIARCH = `/usr/lib/${TRIPLET}`;
const HAS_MULTIARCH = existsSync(MULTIARCH);
/** A library on the host that bash does not link (nor kiln's defaults): zlib. */
const UNUSED = `${MULTIARCH}/libz.so.1`;
const PYTHON = '/usr/bin/python3';
const GIT_IN_LIB = '/usr/lib/git-core/git';
/** A fixed PATH, so `python3` is the system's and not a per-user shim. */
const ENV = { PATH: '/usr/bin:/bin' };

let dir: string;
let cleanup: () => void;
beforeAll(() => {
  ({ path: dir, cleanup } = tempDir('kiln-plib-'));
  chmodSync(dir, 0o755);
  writeFileSync(join(dir, 'script.sh'), '#!/bin/sh\nexit 7\n', { mode: 0o755 });
  writeFileSync(join(dir, 'prog.sh'), '#!/bin/sh\necho ran\n', { mode: 0o755 });
});
afterAll(() => cleanup());

/** bash -c SCRIPT in a sandbox with no profile and the given options. */
function sh(script: string, extra: readonly string[] = []): Result {
  return kiln(['--quiet', '--noprofile', ...extra, 'bash', '-c', script], { env: ENV });
}

describe.skipIf(!HAS_MULTIARCH)('private-lib', () => {
  test('the multiarch directory holds a few dozen entries instead of the host\'s; bash and ls still run', () => {
    const host = readdirSync(MULTIARCH).length;
    const count = `ls ${MULTIARCH} | wc -l`;
    const plain = sh(count);
    expect(plain.code).toBe(0);
    expect(Number(plain.stdout.trim())).toBe(host); // control
    const priv = sh(`set -o pipefail; ${count}`, ['--private-lib']);
    expect(priv.code).toBe(0); // ls itself ran (pipefail)
    const n = Number(priv.stdout.trim());
    expect(n).toBeGreaterThan(0);
    expect(n).toBeLessThan(Math.min(60, host / 4));
  });

  test.skipIf(!existsSync(UNUSED))('a library the program does not need is absent; listed, it is present', () => {
    expect(sh(`test -e ${UNUSED}`).code).toBe(0); // control
    expect(sh(`test -e ${UNUSED}`, ['--private-lib']).code).toBe(1);
    expect(sh(`test -r ${UNUSED}`, ['--private-lib=libz.so.1']).code).toBe(0);
    expect(sh(`test -r ${UNUSED}`, [`--private-lib=${UNUSED}`]).code).toBe(0);
    // a glob, and a directory named whole
    expect(sh(`test -r ${UNUSED}`, ['--private-lib=libz.so.*']).code).toBe(0);
    expect(sh(`test -r ${MULTIARCH}/gconv/gconv-modules || test -d ${MULTIARCH}/gconv`, ['--private-lib=gconv']).code).toBe(0);
  });

  test('with private-bin, the listed programs run', () => {
    const r = kiln(['--quiet', '--noprofile', '--private-bin=bash,ls', '--private-lib', 'bash', '-c', 'ls / >/dev/null && ls /usr/bin'], { env: ENV });
    expect(r.code).toBe(0);
    expect(r.stdout.split('\n').filter((x) => x !== '')).toEqual(['bash', 'ls']);
  });

  test('a script runs through its interpreter\'s libraries', () => {
    expect(kiln(['--quiet', '--noprofile', join(dir, 'script.sh')]).code).toBe(7); // control
    expect(kiln(['--quiet', '--noprofile', '--private-lib', join(dir, 'script.sh')]).code).toBe(7);
  });

  test.skipIf(!existsSync(PYTHON))('python3 imports its standard library', () => {
    const py = (code: string, extra: readonly string[] = []) => kiln(['--quiet', '--noprofile', ...extra, 'python3', '-c', code], { env: ENV });
    expect(py('import json').code).toBe(0); // control
    expect(py('import json; json.dumps({"a": 1})', ['--private-lib']).code).toBe(0);
    // extension modules with libraries of their own, where the host has them
    for (const mod of ['ssl', 'sqlite3', 'ctypes']) {
      if (py(`import ${mod}`).code === 0) expect(py(`import ${mod}`, ['--private-lib']).code).toBe(0);
    }
  });

  test.skipIf(!existsSync(GIT_IN_LIB))('a program inside a library directory still runs', () => {
    expect(kiln(['--quiet', '--noprofile', GIT_IN_LIB, '--version']).code).toBe(0); // control
    expect(kiln(['--quiet', '--noprofile', '--private-lib', GIT_IN_LIB, '--version']).code).toBe(0);
  });

  test('writing into the library directories leaves the host unchanged', () => {
    const name = `kiln-plib-${process.pid}`;
    const marker = join(dir, 'wrote');
    const script = `echo x > ${MULTIARCH}/${name}; echo x > /usr/lib/${name}; echo $? > ${marker}`;
    const leaked = [`${MULTIARCH}/${name}`, `/usr/lib/${name}`];
    try {
      const r = sh(script, ['--private-lib', `--read-write=${dir}`]);
      expect(r.code).toBe(0);
      expect(existsSync(marker)).toBe(true); // control: the script ran, and could write where it may
      for (const p of leaked) expect(existsSync(p)).toBe(false);
    } finally {
      for (const p of leaked) rmSync(p, { force: true }); // should the check fail as root: leave no trace
    }
    // a library brought in cannot be changed either
    expect(sh(`: > ${MULTIARCH}/libc.so.6`, ['--private-lib']).code).not.toBe(0);
    expect(sh(`test -s ${MULTIARCH}/libc.so.6`, ['--private-lib']).code).toBe(0);
  });

  test('kiln\'s own init stage starts under private-lib (noexec is applied by it)', () => {
    const run = `${dir}/prog.sh`;
    expect(sh(run).code).toBe(0); // control: executable without noexec
    expect(sh(run, ['--private-lib']).code).toBe(0);
    expect(sh(`${run}; test $? -eq 126`, ['--private-lib', `--noexec=${dir}`]).code).toBe(0);
  });
});
