/**
 * The registry under load: 100 sandboxes starting at once are all listed, each once, with the right pids;
 * stopped at once (half with --shutdown, half killed with SIGKILL, so that no kiln cleans up after them),
 * none is listed any more and none leaves a file behind.
 */
import { expect, test } from 'bun:test';
import { readdirSync, statSync } from 'node:fs';
import { KILN, kiln } from '../lib/run.ts';
import { listJson, uniqueName, waitFor } from './manage-helpers.ts';

const COUNT = 100;

function registryDir(): string {
  const uid = process.getuid?.() ?? 0;
  if (uid === 0) return '/run/kiln/sandboxes';
  const rt = process.env['XDG_RUNTIME_DIR'] ?? `/run/user/${uid}`;
  try {
    if (statSync(rt).uid === uid) return `${rt}/kiln/sandboxes`;
  } catch {
    // no runtime directory
  }
  return `${process.env['HOME'] ?? '/'}/.cache/kiln/sandboxes`;
}

test(`${COUNT} sandboxes starting and stopping at once leave the registry consistent`, async () => {
  const tag = uniqueName('bulk');
  const procs = Array.from({ length: COUNT }, (_, i) =>
    Bun.spawn([KILN, '--quiet', '--noprofile', `--name=${tag}-${i}`, 'sleep', '120'], { cwd: '/tmp', stdin: 'ignore', stdout: 'ignore', stderr: 'ignore' }),
  );
  try {
    const ours = () => listJson().filter((s) => s.name.startsWith(`${tag}-`));
    const all = await waitFor(`all ${COUNT} listed with their pid 1`, () => {
      const l = ours();
      return l.length === COUNT && l.every((s) => s.pid1 !== undefined) ? l : undefined;
    }, 90_000);
    // Each sandbox once, under its own name, anchored at the process that started it (kiln execs into bwrap).
    expect(new Set(all.map((s) => s.name)).size).toBe(COUNT);
    expect(all.map((s) => s.pid).sort()).toEqual(procs.map((p) => p.pid).sort());

    const half = all.slice(0, COUNT / 2);
    const shutdowns = half.map((s) => Bun.spawn([KILN, '--quiet', `--shutdown=${s.name}`], { stdout: 'ignore', stderr: 'pipe' }));
    for (const s of all.slice(COUNT / 2)) process.kill(s.pid, 'SIGKILL');
    expect(await Promise.all(shutdowns.map((p) => p.exited))).toEqual(half.map(() => 0));
    await Promise.all(procs.map((p) => p.exited));

    expect(ours()).toEqual([]);
    expect(kiln(['--list']).stdout).not.toContain(`:${tag}-`);
    // Listing pruned what the killed ones left; nothing of any of them remains.
    const pids = new Set(procs.map((p) => String(p.pid)));
    expect(readdirSync(registryDir()).filter((f) => pids.has(f.split('.')[0] ?? ''))).toEqual([]);
  } finally {
    for (const p of procs) p.kill('SIGKILL');
  }
}, 180_000);
