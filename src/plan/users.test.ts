import { describe, expect, test } from 'bun:test';
import { loginDefsMinimums, otherUsers, restrictGroup, restrictPasswd, type Caller } from './users.ts';

const PASSWD = [
  'root:x:0:0:root:/root:/bin/bash',
  'daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin',
  'alice:x:1000:1000::/home/alice:/bin/bash',
  'me:x:1001:1001::/home/me:/bin/bash',
  'bob:x:1002:1002::/home/bob:/bin/sh',
  'nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin',
  '',
].join('\n');

const GROUP = [
  'root:x:0:',
  'audio:x:29:me,bob',
  'video:x:44:alice',
  'alice:x:1000:',
  'me:x:1001:',
  'bob:x:1002:',
  'shared:x:1500:me,alice',
  'theirs:x:1501:alice,bob',
  'nogroup:x:65534:',
  '',
].join('\n');

const me: Caller = { uid: 1001, gid: 1001, name: 'me' };

describe('user database', () => {
  test('passwd keeps system accounts, the caller and nobody', () => {
    expect(restrictPasswd(PASSWD, me, 1000).split('\n').map((l) => l.split(':')[0])).toEqual(['root', 'daemon', 'me', 'nobody', '']);
  });

  test("group drops other users' groups and names, keeps the caller's groups", () => {
    const others = otherUsers(PASSWD, me, 1000);
    expect([...others].sort()).toEqual(['alice', 'bob']);
    expect(restrictGroup(GROUP, me, 1000, others).split('\n')).toEqual(['root:x:0:', 'audio:x:29:me', 'video:x:44:', 'me:x:1001:', 'shared:x:1500:me', 'nogroup:x:65534:', '']);
  });

  test('lines it cannot parse, comments and odd minimums', () => {
    expect(restrictPasswd('# comment\n+::::::\ngarbage\n', me, 1000)).toBe('# comment\n+::::::\ngarbage\n');
    expect(restrictPasswd(PASSWD, me, 2000)).toBe(PASSWD);
    expect(loginDefsMinimums('UID_MIN\t\t\t 500\n#GID_MIN 7\nGID_MIN 600\n')).toEqual({ uidMin: 500, gidMin: 600 });
    expect(loginDefsMinimums(undefined)).toEqual({ uidMin: 1000, gidMin: 1000 });
  });
});
