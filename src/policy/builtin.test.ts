/**
 * kiln's own profiles (profiles/): they parse cleanly, what is embedded is what is on disk, and they do
 * what docs/profiles.md says.
 */
import { describe, expect, test } from 'bun:test';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BUILTIN_PROFILES } from '../profile/builtin.ts';
import { initialConditions } from '../profile/conditions.ts';
import { DEFAULT_CONFIG } from '../profile/config.ts';
import { createLoader } from '../profile/load.ts';
import { fakeEnv, searchIn } from '../profile/testing.ts';
import type { Policy } from './policy.ts';
import { resolvePolicy } from './resolve.ts';
import { explainPolicy } from './explain.ts';

const ROOT = join(import.meta.dir, '../..');

function builtinPolicy(name: string): Policy {
  // Only the built-ins: no directory is searched, as on a machine without Firejail.
  const loader = createLoader({ env: fakeEnv(), search: searchIn([], BUILTIN_PROFILES), config: () => DEFAULT_CONFIG });
  const text = BUILTIN_PROFILES.get(name) ?? '';
  const loaded = loader.load({ sources: [{ kind: 'builtin', path: `builtin:${name}`, text }], ignores: [], conditions: initialConditions(false) });
  expect(loaded.diagnostics).toEqual([]);
  const r = resolvePolicy({ profile: loaded.directives, cli: [], files: loaded.files });
  expect(r.diagnostics).toEqual([]);
  return r.policy;
}

const blacklisted = (p: Policy) => p.fs.flatMap((r) => (r.kind === 'blacklist' ? [r.path] : []));
const readOnly = (p: Policy) => p.fs.flatMap((r) => (r.kind === 'read-only' ? [r.path] : []));

describe('built-in profiles', () => {
  test('the embedded text is the file in profiles/', () => {
    for (const [name, text] of BUILTIN_PROFILES) expect(text).toBe(readFileSync(join(ROOT, 'profiles', name), 'utf8'));
  });

  for (const name of ['default.profile', 'server.profile']) {
    describe(name, () => {
      const p = builtinPolicy(name);

      test('reads its includes; the .local hooks are optional', () => {
        expect(p.profiles).toEqual([`builtin:${name}`, 'builtin:kiln-secrets.inc', 'builtin:kiln-readonly.inc', 'builtin:kiln-security.inc']);
      });

      test('drops capabilities and turns on the filters', () => {
        expect(p.caps).toEqual({ kind: 'drop-all' });
        expect(p.nonewprivs).toBe(true);
        expect(p.seccomp?.defaultList).toBe(true);
        expect(p.seccomp?.restrictNamespaces).toEqual(['cgroup', 'ipc', 'net', 'mnt', 'pid', 'time', 'user', 'uts']);
        expect(p.seccomp?.protocols).toEqual(['unix', 'inet', 'inet6']);
      });

      const secrets = [
        '/home/u/.ssh', '/home/u/.gnupg', '/run/user/1000/gnupg', '/home/u/.local/share/keyrings', '/home/u/.password-store',
        '/home/u/.mozilla', '/home/u/.config/chromium', '/home/u/.aws', '/home/u/.config/gcloud', '/home/u/.kube',
        '/home/u/.docker/config.json', '/home/u/.npmrc', '/home/u/.pypirc', '/home/u/.cargo/credentials.toml',
        '/home/u/.netrc', '/home/u/.git-credentials', '/home/u/.bash_history', '/home/u/.zsh_history',
        '/home/u/.config/Bitwarden CLI',
      ];
      test('hides secrets', () => expect(blacklisted(p)).toEqual(expect.arrayContaining(secrets)));

      test('makes start-up files and the profile directories read-only', () => {
        expect(readOnly(p)).toEqual(
          expect.arrayContaining(['/home/u/.bashrc', '/home/u/.profile', '/home/u/.zshrc', '/home/u/.config/autostart', '/home/u/.config/kiln', '/home/u/.config/firejail', '/etc/kiln', '/etc/firejail']),
        );
      });

      test('explains itself', () => {
        const text = explainPolicy(p);
        expect(text).toContain('Hidden (blacklist):\n  /home/u/.ssh  (builtin:kiln-secrets.inc:');
        expect(text).toContain('capabilities: all dropped');
        expect(text).toContain('socket families: unix, inet, inet6 only');
      });
    });
  }

  test('server.profile also hides the host keys', () => {
    expect(blacklisted(builtinPolicy('server.profile'))).toEqual(expect.arrayContaining(['/etc/shadow', '/etc/ssh/ssh_host_*_key']));
    expect(blacklisted(builtinPolicy('default.profile'))).not.toContain('/etc/shadow');
  });
});
