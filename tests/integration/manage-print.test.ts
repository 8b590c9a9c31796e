/**
 * --cat, --fs.print, --cpu.print and --apparmor.print on running sandboxes, and --oom at launch. Judged by
 * data: the file's bytes, the recorded steps, the CPU list and oom_score_adj that /proc shows.
 */
import { afterAll, describe, expect, test } from 'bun:test';
import { existsSync, readFileSync } from 'node:fs';
import { kiln, sandboxSh, tempDir } from '../lib/run.ts';
import { startSandbox, uniqueName, waitFor } from './manage-helpers.ts';

const cpusOf = (pid: number | 'self') => /Cpus_allowed_list:\s*(\S+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];

describe('printing a running sandbox', () => {
  test('--cat prints a file only the sandbox sees; a missing file fails', async () => {
    const marker = `/tmp/kiln-cat-${process.pid}`;
    const sb = await startSandbox(uniqueName('cat'), ['--private-tmp'], ['/bin/sh', '-c', `echo inside-$$ > ${marker}; exec sleep 120`]);
    try {
      const r = await waitFor('the marker', () => {
        const out = kiln([`--cat=${sb.name}`, marker]);
        return out.code === 0 ? out : undefined;
      });
      expect(r.stdout).toMatch(/^inside-\d+\n$/);
      // Control: the host has no such file (private-tmp), so only the sandbox's view can have supplied it.
      expect(existsSync(marker)).toBe(false);
      expect(kiln([`--cat=${sb.name}`, `${marker}-missing`]).code).toBe(1);
      // A directory is not a file to print.
      expect(kiln([`--cat=${sb.name}`, '/tmp']).code).toBe(1);
    } finally {
      await sb.stop();
    }
  });

  test('--cat needs a file; an unknown sandbox is an error', () => {
    expect(kiln(['--cat=nobody-has-this-name']).code).toBe(1);
    expect(kiln([`--cat=no-such-sandbox-${process.pid}`, '/etc/hostname']).code).not.toBe(0);
  });

  test('--fs.print lists the filesystem steps, a blacklist among them', async () => {
    const t = tempDir('kiln-fsprint-');
    const hidden = `${t.path}/secret`;
    await Bun.write(hidden, 'x');
    const sb = await startSandbox(uniqueName('fs'), [`--blacklist=${hidden}`]);
    const plain = await startSandbox(uniqueName('fs-plain'));
    try {
      const lines = kiln([`--fs.print=${sb.name}`]).stdout.split('\n');
      expect(lines).toContain(`blacklist ${hidden}`);
      expect(lines).toContain('mount proc /proc');
      // Control: the same sandbox without the rule records no such step.
      const plainLines = kiln([`--fs.print=${plain.name}`]).stdout.split('\n');
      expect(plainLines).toContain('mount proc /proc');
      expect(plainLines).not.toContain(`blacklist ${hidden}`);
    } finally {
      await sb.stop();
      await plain.stop();
      t.cleanup();
    }
  });

  test('--cpu.print shows the CPUs the program may use', async () => {
    const all = cpusOf('self') ?? '';
    const sb = await startSandbox(uniqueName('cpu'), ['--cpu=0']);
    const plain = await startSandbox(uniqueName('cpu-plain'));
    try {
      const r = kiln([`--cpu.print=${sb.name}`]);
      expect([r.code, /Cpus_allowed_list:\s*(\S+)/.exec(r.stdout)?.[1]]).toEqual([0, '0']);
      // Control: without --cpu it is the host's whole set.
      expect(/Cpus_allowed_list:\s*(\S+)/.exec(kiln([`--cpu.print=${plain.name}`]).stdout)?.[1]).toBe(all);
    } finally {
      await sb.stop();
      await plain.stop();
    }
  });

  test('--apparmor.print names the sandbox program, and its label where AppArmor is on', async () => {
    const sb = await startSandbox(uniqueName('aa'));
    try {
      const r = kiln([`--apparmor.print=${sb.name}`]);
      expect(r.code).toBe(0);
      const pid = Number(r.stdout.split(':')[0]);
      // The pid it names runs the sandbox's program: a child of the sandbox's pid 1.
      expect(readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ')[1]).toBe(String(sb.pid1));
      const enabled = existsSync('/sys/module/apparmor/parameters/enabled') && readFileSync('/sys/module/apparmor/parameters/enabled', 'utf8').trim() === 'Y';
      expect(/\n {2}AppArmor: \S+/.test(r.stdout)).toBe(enabled);
    } finally {
      await sb.stop();
    }
  });
});

describe('--oom', () => {
  const adj = (extra: string[]) => sandboxSh('cat /proc/self/oom_score_adj', extra);
  const start = Number(readFileSync('/proc/self/oom_score_adj', 'utf8'));
  const t = tempDir('kiln-oom-');
  afterAll(() => t.cleanup());

  test('raises the sandbox program\'s OOM score adjustment', () => {
    const r = adj(['--oom=700']);
    expect([r.code, r.stdout.trim()]).toEqual([0, '700']);
    // Control: without it the program has the caller's value.
    expect(adj([]).stdout.trim()).toBe(String(start));
  });

  test('a value out of range, or one the caller may not set, stops the launch', () => {
    const ran = `${t.path}/ran`;
    for (const bad of ['--oom=1001', '--oom=-1001', '--oom=abc', '--oom']) {
      expect(sandboxSh(`touch ${ran}`, [bad]).code).toBe(1);
    }
    // Lowering needs CAP_SYS_RESOURCE: where kiln lacks it, the launch stops rather than run at the old value.
    const capEff = BigInt(`0x${/CapEff:\s*([0-9a-f]+)/.exec(readFileSync('/proc/self/status', 'utf8'))?.[1] ?? '0'}`);
    const canLower = ((capEff >> 24n) & 1n) === 1n;
    const r = sandboxSh(`cat /proc/self/oom_score_adj; touch ${ran}`, [`--oom=${start - 100}`]);
    expect(r.code === 0).toBe(canLower);
    expect(existsSync(ran)).toBe(canLower);
    if (canLower) expect(r.stdout.trim()).toBe(String(start - 100));
  });
});
