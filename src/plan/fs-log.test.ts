import { describe, expect, test } from 'bun:test';
import { describeFilesystem } from './fs-log.ts';

describe('describeFilesystem', () => {
  test("blacklists read as Firejail's words; other steps in mount order", () => {
    const lines = describeFilesystem({
      mounts: [
        { kind: 'bind', src: '/', dest: '/' },
        { kind: 'ro-bind', src: '/etc', dest: '/etc' },
        { kind: 'ro-bind', src: '/dev/null', dest: '/etc/shadow' },
        { kind: 'tmpfs', dest: '/root/.ssh', perms: 0 },
        { kind: 'tmpfs', dest: '/tmp', perms: 0o1777 },
        { kind: 'ro-bind', src: '/srv/a', dest: '/b' },
      ],
      init: { steps: [{ kind: 'remount', dest: '/home', flags: ['noexec', 'nosuid'] }, { kind: 'unshare-net' }, { kind: 'hide', dest: '/x' }] } as never,
    });
    expect(lines).toEqual(['bind /', 'read-only /etc', 'blacklist /etc/shadow', 'blacklist /root/.ssh', 'tmpfs /tmp', 'bind read-only /srv/a /b', 'remount noexec,nosuid /home', 'blacklist /x']);
  });
});
