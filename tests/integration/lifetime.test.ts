/**
 * When the sandbox ends: with the program, with the program's status, whatever it left in the background
 * (kiln is always what Firejail calls deterministic-shutdown and deterministic-exit-code).
 */
import { afterAll, describe, expect, test } from 'bun:test';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { run, sandboxSh, tempDir } from '../lib/run.ts';

const t = tempDir('kiln-lifetime-');
afterAll(() => t.cleanup());

describe('the sandbox ends with its first process', () => {
  for (const extra of [[], ['--deterministic-shutdown', '--deterministic-exit-code']]) {
    test(`a background child dies with the program, whose status is kept ${extra.join(' ') || '(default)'}`, async () => {
      const marker = join(t.path, `late-${extra.length}`);
      const script = `(sleep 0.5; touch ${marker}) & exit 3`;
      const started = performance.now();
      const r = sandboxSh(script, extra);
      expect(r.code).toBe(3);
      // Wait past the moment the child would have written; it must not have.
      await Bun.sleep(Math.max(0, 1000 - (performance.now() - started)));
      expect(existsSync(marker)).toBe(false);
      // Control: the same script outside a sandbox leaves a child that writes.
      const control = join(t.path, `control-${extra.length}`);
      expect(run(['/bin/sh', '-c', `(sleep 0.5; touch ${control}) & exit 3`]).code).toBe(3);
      const deadline = performance.now() + 10_000;
      while (!existsSync(control) && performance.now() < deadline) await Bun.sleep(20);
      expect(existsSync(control)).toBe(true);
    });
  }
});
