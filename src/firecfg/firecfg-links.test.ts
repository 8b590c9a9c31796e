import { describe, expect, test } from 'bun:test';
import { planLinks, type LinkCandidate } from './firecfg-links.ts';

describe('planLinks', () => {
  const installed = { program: '/usr/bin/x', profile: '/etc/firejail/x.profile' };
  test.each<[string, LinkCandidate, string]>([
    ['installed, with a profile, name free: created', { name: 'x', ...installed, entry: { kind: 'absent' } }, 'create'],
    ["kiln's link already there: kept", { name: 'x', ...installed, entry: { kind: 'kiln' } }, 'keep'],
    ['a regular file has the name: left alone', { name: 'x', ...installed, entry: { kind: 'other', type: 'file' } }, 'occupied'],
    ['a link elsewhere has the name: left alone', { name: 'x', ...installed, entry: { kind: 'link', target: '/bin/true' } }, 'occupied'],
    ['not installed: nothing', { name: 'x', profile: installed.profile, entry: { kind: 'absent' } }, 'not-installed'],
    ['not installed, foreign file there: nothing said', { name: 'x', entry: { kind: 'other', type: 'file' } }, 'not-installed'],
    ['no profile: nothing', { name: 'x', program: '/usr/bin/x', entry: { kind: 'absent' } }, 'no-profile'],
    ["no profile, kiln's old link there: left as it is", { name: 'x', program: '/usr/bin/x', entry: { kind: 'kiln' } }, 'no-profile'],
  ])('%s', (_why, candidate, kind) => {
    expect(planLinks([candidate]).map((s) => s.kind)).toEqual([kind as never]);
  });

  test('one step per candidate, in order', () => {
    const steps = planLinks([
      { name: 'b', ...installed, entry: { kind: 'absent' } },
      { name: 'a', entry: { kind: 'absent' } },
    ]);
    expect(steps.map((s) => [s.name, s.kind])).toEqual([
      ['b', 'create'],
      ['a', 'not-installed'],
    ]);
  });
});
