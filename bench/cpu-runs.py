#!/usr/bin/env python3
"""CPU time per launch of every process a command starts, reaped or not.

    cpu-runs.py ROUNDS OUT.json -n NAME "COMMAND" [-n NAME "COMMAND"]...

Commands are given as to hyperfine -N (split like a shell would, no shell run). This process makes
itself a child subreaper, so whatever a launch leaves unreaped (bwrap's monitor exits on its pid 1's
report without waiting for it) is adopted and reaped here, and its user and system time land in
RUSAGE_CHILDREN with the rest. The commands take turns, one launch each per round, after two warm-up
rounds; OUT.json gets each name's mean user and system time in ms.
"""
import ctypes, json, os, resource, shlex, sys

PR_SET_CHILD_SUBREAPER = 36


def main() -> int:
    rounds, out, rest = int(sys.argv[1]), sys.argv[2], sys.argv[3:]
    cmds = {}
    while rest:
        if rest[0] != "-n" or len(rest) < 3:
            sys.exit("cpu-runs: expected -n NAME COMMAND")
        cmds[rest[1]] = shlex.split(rest[2])
        rest = rest[3:]
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0:
        sys.exit(f"cpu-runs: prctl(PR_SET_CHILD_SUBREAPER): {os.strerror(ctypes.get_errno())}")
    null = os.open(os.devnull, os.O_RDWR)
    actions = [(os.POSIX_SPAWN_DUP2, null, fd) for fd in (0, 1, 2)]
    total = {name: [0.0, 0.0] for name in cmds}
    for r in range(rounds + 2):
        for name, argv in cmds.items():
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            pid = os.posix_spawnp(argv[0], argv, os.environ, file_actions=actions)
            _, status = os.waitpid(pid, 0)
            if os.waitstatus_to_exitcode(status) != 0:
                sys.exit(f"cpu-runs: {name} exited with {os.waitstatus_to_exitcode(status)}")
            # Orphans were adopted when their parents exited; wait for every one of them.
            while True:
                try:
                    os.wait()
                except ChildProcessError:
                    break
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            if r >= 2:
                total[name][0] += after.ru_utime - before.ru_utime
                total[name][1] += after.ru_stime - before.ru_stime
    with open(out, "w") as f:
        json.dump({n: {"user": u * 1000 / rounds, "system": s * 1000 / rounds} for n, (u, s) in total.items()}, f)
    return 0


if __name__ == "__main__":
    sys.exit(main())
