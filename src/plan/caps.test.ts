import { describe, expect, test } from 'bun:test';
import { capNumber, keptCapabilities } from './caps.ts';

describe('capabilities', () => {
  test('names in either spelling', () => {
    expect(capNumber('net_raw')).toBe(13);
    expect(capNumber('CAP_SYS_ADMIN')).toBe(21);
    expect(capNumber('checkpoint_restore')).toBe(40);
    expect(capNumber('bogus')).toBeUndefined();
  });

  test.each([
    [{ kind: 'unchanged' } as const, undefined],
    [{ kind: 'drop-all' } as const, []],
    // net_raw is 13, beyond this kernel's last capability, so only chown is kept
    [{ kind: 'keep', caps: ['net_raw', 'chown'] } as const, [0]],
    [{ kind: 'drop', caps: ['chown'] } as const, [1, 2, 3]],
    [{ kind: 'default-filter' } as const, [0, 1, 2, 3]],
  ])('%o keeps %o (on a kernel with caps 0..3)', (policy, kept) => {
    expect(keptCapabilities(policy, 3)).toEqual(kept);
  });

  test('the default filter drops exactly the eight Firejail names', () => {
    const kept = keptCapabilities({ kind: 'default-filter' }, 40) ?? [];
    const dropped = Array.from({ length: 41 }, (_, i) => i).filter((c) => !kept.includes(c));
    expect(dropped).toEqual([16, 17, 21, 22, 23, 26, 27, 34]);
  });
});
