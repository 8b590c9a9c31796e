/** The AppArmor decision, as a table of (policy, host facts → what the launch does), and its place in the plan. */
import { describe, expect, test } from 'bun:test';
import type { AppArmorFacts } from '../host/apparmor.ts';
import { parseLoadedProfiles } from '../host/apparmor.ts';
import type { HostFacts } from '../host/facts.ts';
import { fakeFsView } from '../host/fsview.ts';
import { emptyPolicy, type Policy } from '../policy/policy.ts';
import { decideAppArmor, KILN_DEFAULT_PROFILE, notLoadedError, notLoadedWarning, type AppArmorDecision } from './apparmor.ts';
import { planLaunch } from './plan.ts';

type Asked = Pick<Policy, 'apparmor' | 'apparmorReplace'>;

const NONE: Asked = { apparmorReplace: false };
const DEFAULT: Asked = { apparmor: {}, apparmorReplace: false };
const REPLACE: Asked = { apparmor: {}, apparmorReplace: true };
const NAMED: Asked = { apparmor: { profile: 'mine' }, apparmorReplace: false };

const ABSENT: AppArmorFacts = { enabled: false };
const UNKNOWN: AppArmorFacts = { enabled: true };
const LOADED: AppArmorFacts = { enabled: true, loaded: ['kiln-default', 'mine', 'other'] };
const NOT_LOADED: AppArmorFacts = { enabled: true, loaded: ['other'] };

const ABSENT_NOTE = "AppArmor: the kernel has no AppArmor enabled; 'apparmor' is not applied";
const confine = (profile: string, mode: 'stack' | 'exec', ifNotLoaded: 'warn' | 'fail') => ({ kind: 'confine' as const, request: { profile, mode, ifNotLoaded } });

const TABLE: readonly (readonly [string, Asked, AppArmorFacts, Partial<AppArmorDecision> & { kind: AppArmorDecision['kind'] }])[] = [
  ['not asked for, AppArmor on', NONE, LOADED, { kind: 'off' }],
  ['not asked for, no AppArmor', NONE, ABSENT, { kind: 'off' }],
  ['absent: a --debug note, nothing applied', DEFAULT, ABSENT, { kind: 'absent', note: ABSENT_NOTE }],
  ['absent, apparmor-replace: the same', REPLACE, ABSENT, { kind: 'absent', note: ABSENT_NOTE }],
  ['absent, a named profile: the same', NAMED, ABSENT, { kind: 'absent', note: ABSENT_NOTE }],
  ['enabled + loaded: stack', DEFAULT, LOADED, confine(KILN_DEFAULT_PROFILE, 'stack', 'fail')],
  ['enabled + loaded + apparmor-replace: exec', REPLACE, LOADED, confine(KILN_DEFAULT_PROFILE, 'exec', 'fail')],
  ['enabled + loaded, a named profile: stack it', NAMED, LOADED, confine('mine', 'stack', 'fail')],
  ['enabled + not loaded: runs unconfined, with a warning that names the install step', DEFAULT, NOT_LOADED, { kind: 'unconfined', warning: notLoadedWarning(KILN_DEFAULT_PROFILE) }],
  ['enabled + not loaded + apparmor-replace: the same', REPLACE, NOT_LOADED, { kind: 'unconfined', warning: notLoadedWarning(KILN_DEFAULT_PROFILE) }],
  ['enabled + a named profile not loaded: refused', NAMED, NOT_LOADED, { kind: 'refuse', message: notLoadedError('mine') }],
  ['enabled, list unreadable (unprivileged): the kernel decides; kiln-default missing warns', DEFAULT, UNKNOWN, confine(KILN_DEFAULT_PROFILE, 'stack', 'warn')],
  ['enabled, list unreadable, apparmor-replace', REPLACE, UNKNOWN, confine(KILN_DEFAULT_PROFILE, 'exec', 'warn')],
  ['enabled, list unreadable, a named profile: missing stops the launch', NAMED, UNKNOWN, confine('mine', 'stack', 'fail')],
];

describe('the AppArmor decision', () => {
  for (const [name, asked, facts, expected] of TABLE) {
    test(name, () => {
      expect(decideAppArmor({ ...emptyPolicy(), ...asked }, facts)).toMatchObject(expected);
    });
  }

  test('the warning names the install step', () => {
    expect(notLoadedWarning(KILN_DEFAULT_PROFILE)).toContain('apparmor_parser -r /etc/apparmor.d/kiln-default');
  });

  test('the profiles list: names with their mode stripped, spaces kept', () => {
    expect(parseLoadedProfiles('kiln-default (enforce)\n/usr/bin/man (complain)\nsnap.a b (enforce)\n\n')).toEqual(['/usr/bin/man', 'kiln-default', 'snap.a b']);
  });
});

/** A small host for planLaunch: /usr/bin/true and env visible, nothing else asked of it. */
function facts(apparmor: AppArmorFacts): HostFacts {
  return {
    fs: fakeFsView({ '/home/me': { type: 'dir', uid: 1001 }, '/usr/bin/true': 'file', '/usr/bin/env': 'file', '/tmp': 'dir' }, {}),
    home: '/home/me',
    uid: 1001,
    gid: 1001,
    isRoot: false,
    user: 'me',
    shell: '/bin/sh',
    cwd: '/home/me',
    env: { PATH: '/usr/bin' },
    arch: 'x64',
    landlockAbi: 0,
    capLastCap: 40,
    capPermitted: 0n,
    apparmor,
    bwrap: { path: '/usr/bin/bwrap', options: new Set<string>() },
    tools: { tini: '/usr/bin/tini', env: '/usr/bin/env' },
    stateDir: '/home/me/.cache/kiln',
    cacheDir: '/home/me/.cache/kiln',
    randomId: '0'.repeat(32),
  } as unknown as HostFacts;
}

describe('AppArmor in the launch plan', () => {
  const launch = (asked: Asked, f: AppArmorFacts) => planLaunch({ ...emptyPolicy(), ...asked }, facts(f), { argv: ['true'] });

  test('confinement runs the init stage, which carries the request (control: without it, env resets the signals)', () => {
    const control = launch(NONE, LOADED);
    expect(control.init).toBeUndefined();
    const p = launch(REPLACE, LOADED);
    expect(p.init?.apparmor).toEqual({ profile: KILN_DEFAULT_PROFILE, mode: 'exec', ifNotLoaded: 'fail' });
    expect(p.notes?.[0]).toContain('changes the program');
    expect(p.warnings).toEqual([]);
  });

  test('absent: the --debug note only; no init stage, no warning', () => {
    const p = launch(DEFAULT, ABSENT);
    expect(p.init).toBeUndefined();
    expect(p.notes).toEqual([ABSENT_NOTE]);
    expect(p.warnings).toEqual([]);
  });

  test('kiln-default known not loaded: a warning, no request', () => {
    const p = launch(DEFAULT, NOT_LOADED);
    expect(p.init?.apparmor).toBeUndefined();
    expect(p.warnings).toEqual([notLoadedWarning(KILN_DEFAULT_PROFILE)]);
  });

  test('a named profile known not loaded: the plan is refused', () => {
    expect(() => launch(NAMED, NOT_LOADED)).toThrow(notLoadedError('mine'));
  });
});
