#!/usr/bin/env python3
"""CPU time per launch of every process a command starts, reaped or not.

    cpu-runs.py ROUNDS OUT.json -n NAME "COMMAND" [-n NAME "COMMAND"]...

Commands are given as to hyperfine -N: split like a shell would, no shell run. Leading VAR=value words
set environment variables, and N<FILE words open FILE read-only on fd N (bwrap --args N, --seccomp N).

This process makes itself a child subreaper, so whatever a launch leaves unreaped (bwrap's monitor exits
on its pid 1's report without waiting for it) is adopted and reaped here, and its user and system time
and minor page faults land in RUSAGE_CHILDREN with the rest. The commands take turns, one launch each per
round, after two warm-up rounds. OUT.json gets, per name, the mean user and system time (ms) and minor
faults per launch, and the median wall time (ms, from spawn until every process of the launch is gone).
Prints the same as a table.
"""
import ctypes, json, os, re, resource, shlex, signal, statistics, sys, time

PR_SET_CHILD_SUBREAPER = 36


def parse(command: str):
    words = shlex.split(command)
    env = dict(os.environ)
    while words and re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*=.*", words[0]):
        k, _, v = words.pop(0).partition("=")
        env[k] = v
    fds = {}
    for w in [w for w in words if re.fullmatch(r"\d+<.+", w)]:
        words.remove(w)
        n, _, path = w.partition("<")
        fds[int(n)] = path
    return words, env, fds


def main() -> int:
    rounds, out, rest = int(sys.argv[1]), sys.argv[2], sys.argv[3:]
    cmds = {}
    while rest:
        if rest[0] != "-n" or len(rest) < 3:
            sys.exit("cpu-runs: expected -n NAME COMMAND")
        cmds[rest[1]] = parse(rest[2])
        rest = rest[3:]
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0:
        sys.exit(f"cpu-runs: prctl(PR_SET_CHILD_SUBREAPER): {os.strerror(ctypes.get_errno())}")
    null = os.open(os.devnull, os.O_RDWR)
    runs = {name: [] for name in cmds}
    for r in range(rounds + 2):
        for name, (argv, env, fds) in cmds.items():
            actions = [(os.POSIX_SPAWN_DUP2, null, fd) for fd in (0, 1, 2)]
            actions += [(os.POSIX_SPAWN_OPEN, fd, path, os.O_RDONLY, 0) for fd, path in fds.items()]
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            start = time.perf_counter()
            # Python ignores SIGPIPE and posix_spawn passes that on; a shell would not (and Debian 12's
            # pasta refuses to start with it ignored: "Couldn't install signal handlers").
            pid = os.posix_spawnp(argv[0], argv, env, file_actions=actions, setsigdef=(signal.SIGPIPE,))
            _, status = os.waitpid(pid, 0)
            if os.waitstatus_to_exitcode(status) != 0:
                sys.exit(f"cpu-runs: {name} exited with {os.waitstatus_to_exitcode(status)}")
            # Orphans were adopted when their parents exited; wait for every one of them.
            while True:
                try:
                    os.wait()
                except ChildProcessError:
                    break
            wall = time.perf_counter() - start
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            if r >= 2:
                runs[name].append((after.ru_utime - before.ru_utime, after.ru_stime - before.ru_stime, after.ru_minflt - before.ru_minflt, wall))
    result = {
        n: {
            "user": statistics.mean(x[0] for x in v) * 1000,
            "system": statistics.mean(x[1] for x in v) * 1000,
            "minflt": statistics.mean(x[2] for x in v),
            "wall": statistics.median(x[3] for x in v) * 1000,
        }
        for n, v in runs.items()
    }
    with open(out, "w") as f:
        json.dump(result, f)
    print(f"{'':<28}{'CPU ms':>8}{'user':>8}{'sys':>8}{'minflt':>8}{'wall ms':>9}", file=sys.stderr)
    for n, m in result.items():
        print(f"{n:<28}{m['user'] + m['system']:>8.2f}{m['user']:>8.2f}{m['system']:>8.2f}{m['minflt']:>8.0f}{m['wall']:>9.2f}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
