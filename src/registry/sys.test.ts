/** pidfds on the real kernel: a wait ends when the process does, and only then. */
import { describe, expect, test } from 'bun:test';
import { closeFd, pidfdOpen, pidfdSignal, pidfdWait } from './sys.ts';

describe('pidfdWait', () => {
  test('times out while the process runs, and returns once it has exited', async () => {
    const child = Bun.spawn(['sleep', '600'], { stdio: ['ignore', 'ignore', 'ignore'] });
    const fd = pidfdOpen(child.pid);
    expect(fd).toBeDefined();
    try {
      expect(pidfdWait(fd!, 50)).toBe(false); // control: it runs
      expect(pidfdSignal(fd!, 15)).toBe(true);
      // NOTE: a wait that slept out its timeout would run into the test's own timeout here.
      expect(pidfdWait(fd!, 600_000)).toBe(true);
      expect(await child.exited).toBe(143);
      // Reaped, the process is still gone to its pidfd, and signals report it.
      expect(pidfdWait(fd!, 0)).toBe(true);
      expect(pidfdSignal(fd!, 15)).toBe(false);
    } finally {
      closeFd(fd!);
      child.kill('SIGKILL');
    }
  });

  test('a closed fd is an error, not a wait', () => {
    const fd = pidfdOpen(process.pid)!;
    closeFd(fd);
    expect(() => pidfdWait(fd, 0)).toThrow('poll');
  });
});
