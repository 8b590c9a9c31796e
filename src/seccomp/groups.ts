/**
 * Firejail's syscall groups (`@name` in seccomp lists), as data. Members are syscall names or other
 * groups; a name an arch lacks is skipped on that arch (the groups cover all of Firejail's arches).
 *
 * `members` follows Firejail 0.9.72's /usr/share/doc/firejail/syscalls.txt and man firejail, except that
 * the doc's typo `set_mempolicyvmsplice` in @default is the two syscalls the binary blocks. `kiln` lists
 * syscalls newer than Firejail's table that kiln adds to a group, each for the reason in the comment;
 * tests/integration/seccomp-firejail.test.ts compares the expansions with Firejail's own.
 */

export type GroupName =
  | 'aio' | 'basic-io' | 'chown' | 'clock' | 'cpu-emulation' | 'debug' | 'default' | 'default-nodebuggers'
  | 'default-keep' | 'file-system' | 'io-event' | 'ipc' | 'keyring' | 'memlock' | 'module' | 'mount'
  | 'network-io' | 'obsolete' | 'privileged' | 'process' | 'raw-io' | 'reboot' | 'resources' | 'setuid'
  | 'signal' | 'swap' | 'sync' | 'system-service' | 'timer';

interface GroupDef {
  readonly members: readonly string[];
  readonly kiln?: readonly string[];
}

const GROUPS: Readonly<Record<GroupName, GroupDef>> = {
  aio: { members: ['io_cancel', 'io_destroy', 'io_getevents', 'io_pgetevents', 'io_setup', 'io_submit', 'io_uring_enter', 'io_uring_register', 'io_uring_setup'] },
  'basic-io': { members: ['_llseek', 'close', 'close_range', 'dup', 'dup2', 'dup3', 'lseek', 'pread64', 'preadv', 'preadv2', 'pwrite64', 'pwritev', 'pwritev2', 'read', 'readv', 'write', 'writev'] },
  chown: { members: ['chown', 'chown32', 'fchown', 'fchown32', 'fchownat', 'lchown', 'lchown32'] },
  clock: { members: ['adjtimex', 'clock_adjtime', 'clock_settime', 'settimeofday', 'stime'] },
  'cpu-emulation': { members: ['modify_ldt', 'subpage_prot', 'switch_endian', 'vm86', 'vm86old'] },
  debug: { members: ['lookup_dcookie', 'perf_event_open', 'pidfd_getfd', 'process_vm_writev', 'rtas', 's390_runtime_instr', 'sys_debug_setcontext'] },
  default: {
    members: [
      '@clock', '@cpu-emulation', '@debug', '@module', '@mount', '@obsolete', '@raw-io', '@reboot', '@swap',
      'open_by_handle_at', 'name_to_handle_at', 'ioprio_set', 'ni_syscall', 'syslog', 'fanotify_init', 'add_key',
      'request_key', 'mbind', 'migrate_pages', 'move_pages', 'keyctl', 'io_setup', 'io_destroy', 'io_getevents',
      'io_submit', 'io_cancel', 'remap_file_pages', 'set_mempolicy', 'vmsplice', 'userfaultfd', 'acct', 'bpf',
      'nfsservctl', 'setdomainname', 'sethostname', 'vhangup',
    ],
    // NUMA placement of another kind, like set_mempolicy and mbind above (Linux 5.17).
    kiln: ['set_mempolicy_home_node'],
  },
  'default-nodebuggers': { members: ['@default', 'ptrace', 'personality', 'process_vm_readv'] },
  'default-keep': { members: ['execveat', 'execve', 'prctl'] },
  'file-system': {
    members: [
      'access', 'chdir', 'chmod', 'close', 'close_range', 'creat', 'faccessat', 'faccessat2', 'fallocate', 'fchdir',
      'fchmod', 'fchmodat', 'fcntl', 'fcntl64', 'fgetxattr', 'flistxattr', 'fremovexattr', 'fsetxattr', 'fstat',
      'fstat64', 'fstatat64', 'fstatfs', 'fstatfs64', 'ftruncate', 'ftruncate64', 'futimesat', 'getcwd', 'getdents',
      'getdents64', 'getxattr', 'inotify_add_watch', 'inotify_init', 'inotify_init1', 'inotify_rm_watch', 'lgetxattr',
      'link', 'linkat', 'listxattr', 'llistxattr', 'lremovexattr', 'lsetxattr', 'lstat', 'lstat64', 'mkdir', 'mkdirat',
      'mknod', 'mknodat', 'mmap', 'mmap2', 'munmap', 'newfstatat', 'oldfstat', 'oldlstat', 'oldstat', 'open', 'openat',
      'openat2', 'readlink', 'readlinkat', 'removexattr', 'rename', 'renameat', 'renameat2', 'rmdir', 'setxattr',
      'stat', 'stat64', 'statfs', 'statfs64', 'statx', 'symlink', 'symlinkat', 'truncate', 'truncate64', 'unlink',
      'unlinkat', 'utime', 'utimensat', 'utimes',
    ],
    // Newer forms of members above: glibc 2.39 uses fchmodat2 for lchmod (6.6); the *xattrat family
    // (6.13) and file_getattr/file_setattr (6.17) are the fd-relative xattr and fsxattr calls.
    kiln: ['fchmodat2', 'getxattrat', 'setxattrat', 'listxattrat', 'removexattrat', 'file_getattr', 'file_setattr'],
  },
  'io-event': {
    members: ['_newselect', 'epoll_create', 'epoll_create1', 'epoll_ctl', 'epoll_ctl_old', 'epoll_pwait', 'epoll_wait', 'epoll_wait_old', 'eventfd', 'eventfd2', 'poll', 'ppoll', 'pselect6', 'select'],
    // epoll_pwait with a timespec timeout (5.11).
    kiln: ['epoll_pwait2'],
  },
  ipc: { members: ['ipc', 'memfd_create', 'mq_getsetattr', 'mq_notify', 'mq_open', 'mq_timedreceive', 'mq_timedsend', 'mq_unlink', 'msgctl', 'msgget', 'msgrcv', 'msgsnd', 'pipe', 'pipe2', 'process_madvise', 'process_vm_readv', 'process_vm_writev', 'semctl', 'semget', 'semop', 'semtimedop', 'shmat', 'shmctl', 'shmdt', 'shmget'] },
  keyring: { members: ['add_key', 'keyctl', 'request_key'] },
  memlock: { members: ['mlock', 'mlock2', 'mlockall', 'munlock', 'munlockall'] },
  module: { members: ['delete_module', 'finit_module', 'init_module'] },
  mount: {
    members: ['chroot', 'fsconfig', 'fsmount', 'fsopen', 'fspick', 'mount', 'move_mount', 'open_tree', 'pivot_root', 'umount', 'umount2'],
    // The rest of the new mount API: mount_setattr (5.12) can change a mount's flags (read-only, nosuid,
    // idmapping) and open_tree_attr (6.15) clones a tree with new attributes.
    kiln: ['mount_setattr', 'open_tree_attr'],
  },
  'network-io': { members: ['accept', 'accept4', 'bind', 'connect', 'getpeername', 'getsockname', 'getsockopt', 'listen', 'recv', 'recvfrom', 'recvmmsg', 'recvmsg', 'send', 'sendmmsg', 'sendmsg', 'sendto', 'setsockopt', 'shutdown', 'socket', 'socketcall', 'socketpair'] },
  obsolete: { members: ['_sysctl', 'afs_syscall', 'bdflush', 'break', 'create_module', 'ftime', 'get_kernel_syms', 'getpmsg', 'gtty', 'idle', 'lock', 'mpx', 'prof', 'profil', 'putpmsg', 'query_module', 'security', 'sgetmask', 'ssetmask', 'stty', 'sysfs', 'tuxcall', 'ulimit', 'uselib', 'ustat', 'vserver'] },
  privileged: {
    members: [
      '@chown', '@clock', '@module', '@raw-io', '@reboot', '@swap', '_sysctl', 'acct', 'bpf', 'capset', 'chroot',
      'fanotify_init', 'mount', 'nfsservctl', 'open_by_handle_at', 'pivot_root', 'quotactl', 'setdomainname',
      'setfsuid', 'setfsuid32', 'setgroups', 'setgroups32', 'sethostname', 'setresuid', 'setresuid32', 'setreuid',
      'setreuid32', 'setuid', 'setuid32', 'umount2', 'vhangup',
    ],
    // quotactl on an fd instead of a block device path (5.14): the same privilege as quotactl.
    kiln: ['quotactl_fd'],
  },
  process: { members: ['arch_prctl', 'capget', 'clone', 'clone3', 'execveat', 'fork', 'getrusage', 'kill', 'pidfd_open', 'pidfd_send_signal', 'prctl', 'rt_sigqueueinfo', 'rt_tgsigqueueinfo', 'setns', 'swapcontext', 'tgkill', 'times', 'tkill', 'unshare', 'vfork', 'wait4', 'waitid', 'waitpid'] },
  'raw-io': { members: ['ioperm', 'iopl', 'pciconfig_iobase', 'pciconfig_read', 'pciconfig_write', 's390_mmio_read', 's390_mmio_write'] },
  reboot: { members: ['kexec_load', 'kexec_file_load', 'reboot'] },
  resources: {
    members: ['ioprio_set', 'mbind', 'migrate_pages', 'move_pages', 'nice', 'sched_setaffinity', 'sched_setattr', 'sched_setparam', 'sched_setscheduler', 'set_mempolicy'],
    kiln: ['set_mempolicy_home_node'],
  },
  setuid: { members: ['setgid', 'setgid32', 'setgroups', 'setgroups32', 'setregid', 'setregid32', 'setresgid', 'setresgid32', 'setresuid', 'setresuid32', 'setreuid', 'setreuid32', 'setuid', 'setuid32'] },
  signal: { members: ['rt_sigaction', 'rt_sigpending', 'rt_sigprocmask', 'rt_sigsuspend', 'rt_sigtimedwait', 'sigaction', 'sigaltstack', 'signal', 'signalfd', 'signalfd4', 'sigpending', 'sigprocmask', 'sigsuspend'] },
  swap: { members: ['swapon', 'swapoff'] },
  sync: { members: ['fdatasync', 'fsync', 'msync', 'sync', 'sync_file_range', 'sync_file_range2', 'syncfs'] },
  'system-service': {
    members: [
      '@aio', '@basic-io', '@chown', '@default', '@file-system', '@io-event', '@ipc', '@keyring', '@memlock',
      '@network-io', '@process', '@resources', '@setuid', '@signal', '@sync', '@timer', 'brk', 'capget', 'capset',
      'copy_file_range', 'fadvise64', 'fadvise64_64', 'flock', 'get_mempolicy', 'getcpu', 'getpriority', 'getrandom',
      'ioctl', 'ioprio_get', 'kcmp', 'madvise', 'mprotect', 'mremap', 'name_to_handle_at', 'oldolduname', 'olduname',
      'personality', 'readahead', 'readdir', 'remap_file_pages', 'sched_get_priority_max', 'sched_get_priority_min',
      'sched_getaffinity', 'sched_getattr', 'sched_getparam', 'sched_getscheduler', 'sched_rr_get_interval',
      'sched_yield', 'sendfile', 'sendfile64', 'setfsgid', 'setfsgid32', 'setfsuid', 'setfsuid32', 'setpgid', 'setsid',
      'splice', 'sysinfo', 'tee', 'umask', 'uname', 'userfaultfd', 'vmsplice',
    ],
  },
  timer: { members: ['alarm', 'getitimer', 'setitimer', 'timer_create', 'timer_delete', 'timer_getoverrun', 'timer_gettime', 'timer_settime', 'timerfd_create', 'timerfd_gettime', 'timerfd_settime', 'times'] },
};

export const GROUP_NAMES = Object.keys(GROUPS) as readonly GroupName[];

export function isGroupName(name: string): name is GroupName {
  return Object.hasOwn(GROUPS, name);
}

export interface ExpandOptions {
  /** Leave out kiln's additions, to compare with Firejail. */
  readonly firejailOnly?: boolean;
}

const expanded = new Map<GroupName, readonly string[]>();

/** The syscall names of a group, its subgroups expanded, in a stable order without duplicates. */
export function expandGroup(group: GroupName, opts: ExpandOptions = {}): readonly string[] {
  const cached = opts.firejailOnly ? undefined : expanded.get(group);
  if (cached !== undefined) return cached;
  const out = new Set<string>();
  const visit = (g: GroupName, depth: number): void => {
    if (depth > 8) throw new Error(`syscall group @${g} nests too deeply`);
    const def = GROUPS[g];
    for (const m of [...def.members, ...(opts.firejailOnly ? [] : (def.kiln ?? []))]) {
      if (!m.startsWith('@')) out.add(m);
      else if (isGroupName(m.slice(1))) visit(m.slice(1) as GroupName, depth + 1);
      else throw new Error(`syscall group @${g} names unknown group ${m}`);
    }
  };
  visit(group, 0);
  const list = [...out];
  if (!opts.firejailOnly) expanded.set(group, list);
  return list;
}

/** kiln's additions to a group beyond Firejail's definition (for `--debug` and the comparison tests). */
export function kilnAdditions(group: GroupName): readonly string[] {
  return GROUPS[group].kiln ?? [];
}
