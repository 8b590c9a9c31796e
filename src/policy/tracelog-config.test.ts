import { afterAll, describe, expect, test } from 'bun:test';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildPolicy, type PolicyRequest } from './build.ts';

const dir = mkdtempSync(join(tmpdir(), 'kiln-tracelog-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
writeFileSync(join(dir, 'app.profile'), 'tracelog\nblacklist /nonexistent-kiln\n');
writeFileSync(join(dir, 'on.config'), 'tracelog yes\n');
writeFileSync(join(dir, 'off.config'), '# tracelog no\n');

function policyWith(config: string, cli: PolicyRequest['directives'] = []) {
  const out = buildPolicy({
    target: { kind: 'named', name: join(dir, 'app.profile') },
    directives: cli,
    uid: 1000,
    isRoot: false,
    cwd: '/',
    env: { HOME: '/home/u' },
    configFiles: [join(dir, config)],
  });
  if (out.kind !== 'ok') throw new Error('invalid');
  return out.policy;
}

describe("a profile's tracelog follows the global configuration, as in Firejail", () => {
  test('off by default: not applied, and the reason kept for --debug', () => {
    const p = policyWith('off.config');
    expect(p.tracelog).toBe(false);
    expect(p.tracelogOff).toContain("does not say 'tracelog yes'");
  });
  test('no configuration file at all: off', () => {
    expect(policyWith('missing.config').tracelog).toBe(false);
  });
  test('tracelog yes: applied', () => {
    const p = policyWith('on.config');
    expect(p.tracelog).toBe(true);
    expect(p.tracelogOff).toBeUndefined();
  });
  test('--tracelog on the command line applies whatever the configuration says', () => {
    expect(policyWith('off.config', [{ name: 'tracelog', value: undefined, text: '--tracelog' }]).tracelog).toBe(true);
  });
});
