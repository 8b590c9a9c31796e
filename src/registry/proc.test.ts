import { describe, expect, test } from 'bun:test';
import { readFileSync } from 'node:fs';
import { descendsFrom } from './proc.ts';

describe('descendsFrom', () => {
  test('a grandchild descends from us and from its parent; not the other way round', async () => {
    // sh, and below it sleep: the grandchild of this process.
    const sh = Bun.spawn(['sh', '-c', 'sleep 600 & echo $!; wait'], { stdio: ['ignore', 'pipe', 'ignore'] });
    try {
      const reader = sh.stdout.getReader();
      const { value } = await reader.read();
      const grandchild = Number(new TextDecoder().decode(value).trim());
      expect(readFileSync(`/proc/${grandchild}/stat`, 'utf8').split(' ')[3]).toBe(String(sh.pid)); // control: sh's child
      expect(descendsFrom(grandchild, sh.pid)).toBe(true);
      expect(descendsFrom(grandchild, process.pid)).toBe(true);
      expect(descendsFrom(sh.pid, grandchild)).toBe(false);
      expect(descendsFrom(process.pid, sh.pid)).toBe(false);
      process.kill(grandchild, 'SIGKILL');
    } finally {
      sh.kill('SIGKILL');
      await sh.exited;
    }
  });
});
