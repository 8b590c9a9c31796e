import { describe, expect, test } from 'bun:test';
import { Cwds, eventsOf, resolvePath } from './events.ts';
import { formatTrace } from './relay.ts';
import { cStringArg, splitArgs, StraceReader } from './strace-line.ts';

// strace 6.1's output for a kiln launch: bwrap, the init stage, then the program and its child.
const TRACE = [
  '100<strace> execve("/usr/bin/bwrap", ["bwrap", "--args", "5"], 0x7ffc /* 9 vars */) = 0',
  '100<bwrap> openat(AT_FDCWD</tmp>, "/proc/self/ns/user", O_RDONLY) = 3</proc/1/ns/user>',
  '101<bwrap> execve("/proc/self/fd/7", ["/proc/self/fd/7", "--kiln-init=9", "--", "sh", "-c", "x"], 0x55 /* 9 vars */) = 0',
  '101<7> openat(AT_FDCWD</tmp>, "/usr/lib/libstdc++.so.6", O_RDONLY|O_CLOEXEC) = 3</usr/lib/libstdc++.so.6>',
  '101<7> execve("/usr/bin/sh", ["sh", "-c", "x"], 0x55 /* 9 vars */ <unfinished ...>',
  '100<bwrap> wait4(-1,  <unfinished ...>',
  '101<sh> <... execve resumed>) = 0',
  '101<sh> openat(AT_FDCWD</tmp>, "data/a b", O_WRONLY|O_CREAT|O_TRUNC, 0666) = 3</tmp/data/a b>',
  '101<sh> clone(child_stack=NULL, flags=CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD, child_tidptr=0x7f) = 102',
  '102<sh> execve("/usr/bin/cat", ["cat", "/etc/host\\"name"], 0x55 /* 9 vars */) = 0',
  '102<cat> openat(AT_FDCWD</tmp>, "/etc/nope", O_RDONLY) = -1 ENOENT (No such file or directory)',
  '102<cat> socket(AF_INET, SOCK_STREAM|SOCK_CLOEXEC, IPPROTO_IP) = 4<socket:[77]>',
  '102<cat> connect(4<socket:[77]>, {sa_family=AF_INET, sin_port=htons(8000), sin_addr=inet_addr("127.0.0.1")}, 16) = 0',
  '102<cat> read(4<TCP:[127.0.0.1:5->127.0.0.1:8000]>, "x", 1) = 1',
  '102<cat> connect(5<socket:[78]>, {sa_family=AF_UNIX, sun_path="/run/dbus/system_bus_socket"}, 110) = -1 ECONNREFUSED (Connection refused)',
  '102<cat> bind(6<socket:[79]>, {sa_family=AF_UNIX, sun_path=@"abstract"}, 12) = 0',
  '102<cat> exit_group(0) = ?',
  '100<bwrap> <... wait4 resumed>[{WIFEXITED(s) && WEXITSTATUS(s) == 0}], 0, NULL) = 101',
].join('\n');

describe('strace lines', () => {
  test('arguments split at top-level commas, through strings, structs and decorations', () => {
    expect(splitArgs('AT_FDCWD</a,b>, "x,\\")y", {a=1, b=[2, 3]}, 1<<2) = 0')).toEqual({ args: ['AT_FDCWD</a,b>', '"x,\\")y"', '{a=1, b=[2, 3]}', '1<<2'], rest: ' = 0' });
    expect(splitArgs('4<TCP:[1.2.3.4:5->6.7.8.9:10]>, "x", 1) = 1')?.args).toEqual(['4<TCP:[1.2.3.4:5->6.7.8.9:10]>', '"x"', '1']);
  });
  test('C strings decode strace escapes; truncated strings are not guessed', () => {
    expect(cStringArg('"a\\tb\\\\c\\"d\\303\\251"')).toBe('a\tb\\c"dé');
    expect(cStringArg('"abc"...')).toBeUndefined();
    expect(cStringArg('"--kiln-init=1"...', true)).toBe('--kiln-init=1');
    expect(cStringArg('NULL')).toBeUndefined();
  });
  test('an unfinished call is joined with its resumption by pid', () => {
    const r = new StraceReader();
    expect(r.push('5<a> execve("/x", ["x"], 0x1 /* 1 var */ <unfinished ...>')).toBeUndefined();
    expect(r.push('6<b> getpid() = 6')?.name).toBe('getpid');
    const joined = r.push('5<x> <... execve resumed>) = 0');
    expect(joined).toMatchObject({ pid: 5, comm: 'x', name: 'execve', ret: 0 });
    expect(r.skipped).toBe(0);
  });
  test('failures carry the errno; returned fds carry their path', () => {
    const r = new StraceReader();
    expect(r.push('1<c> openat(AT_FDCWD</>, "/n", O_RDONLY) = -1 ENOENT (No such file or directory)')).toMatchObject({ ret: -1, errno: 'ENOENT' });
    expect(r.push('1<c> openat(AT_FDCWD</>, "/etc/x", O_RDONLY) = 3</etc/y>')).toMatchObject({ ret: 3, retPath: '/etc/y' });
  });
  test('paths resolve against the dirfd strace printed, lexically', () => {
    expect(resolvePath('/a/b', '../c/./d//e')).toBe('/a/c/d/e');
    const r = new StraceReader();
    const line = r.push('1<c> newfstatat(3</home/u>, ".config/app", {st_mode=S_IFDIR|0755}, 0) = 0');
    expect(line).toBeDefined();
    if (line !== undefined) expect(eventsOf(line, new Cwds('/'))).toEqual([{ kind: 'path', call: 'newfstatat', path: '/home/u/.config/app', role: 'read', ok: true }]);
  });
});

describe('--trace lines', () => {
  test("only the program's calls, in Firejail's shape", () => {
    expect(formatTrace(TRACE, '/tmp')).toEqual([
      '101:sh:exec /usr/bin/sh:0',
      '101:sh:openat /tmp/data/a b O_WRONLY|O_CREAT|O_TRUNC:3',
      '102:cat:exec /usr/bin/cat:0',
      '102:cat:openat /etc/nope O_RDONLY:ENOENT',
      '102:cat:socket AF_INET SOCK_STREAM|SOCK_CLOEXEC IPPROTO_IP:4',
      '102:cat:connect 4 127.0.0.1 port 8000:0',
      '102:cat:connect 5 /run/dbus/system_bus_socket:ECONNREFUSED',
      '102:cat:bind 6 @abstract:0',
    ]);
  });
  test('without the init stage, env setting dispositions is a stage too', () => {
    const lines = [
      '1<strace> execve("/usr/bin/bwrap", ["bwrap"], 0x1 /* 1 var */) = 0',
      '2<bwrap> execve("/usr/bin/env", ["/usr/bin/env", "--default-signal=1,2", "--", "env", "A=1"], 0x1 /* 1 var */) = 0',
      '2<env> openat(AT_FDCWD</>, "/etc/ld.so.cache", O_RDONLY|O_CLOEXEC) = 3</etc/ld.so.cache>',
      '2<env> execve("/usr/bin/env", ["env", "A=1"], 0x1 /* 1 var */) = 0',
    ].join('\n');
    expect(formatTrace(lines, '/')).toEqual(['2:env:exec /usr/bin/env:0']);
  });
});
