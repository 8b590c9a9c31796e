#!/usr/bin/env python3
"""Does a launch leave processes behind? For bench/network.sh.

    net-lifetime.py end -- COMMAND...          run COMMAND to its end
    net-lifetime.py kill9 COMM -- COMMAND...   COMMAND's sandbox should run `sleep`; once a process
                                               named COMM (the launcher) and a `sleep` below it exist
                                               and the network helper is up, SIGKILL the COMM process

This process is a child subreaper, so whatever the launch leaves is adopted here and can be seen (and is
not confused with other users' processes). One second after COMMAND (or the killed launcher) is gone it
prints the commands of the processes still alive below it, or "none", then kills and reaps them.

    net-lifetime.py pss -- COMMAND...          COMMAND's sandbox should run `sleep`; prints the network
                                               helper's PSS in kB (smaps_rollup) once it has been up
                                               0.5 s, then lets COMMAND end
"""
import ctypes, os, signal, subprocess, sys, time

PR_SET_CHILD_SUBREAPER = 36
HELPERS = ("slirp4netns", "pasta", "passt", "passt.avx2")


def descendants() -> dict[int, str]:
    """Live (non-zombie) processes below this one: pid -> comm."""
    procs = {}
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            stat = open(f"/proc/{d}/stat").read()
        except OSError:
            continue
        comm = stat[stat.index("(") + 1:stat.rindex(")")]
        fields = stat[stat.rindex(")") + 2:].split()
        procs[int(d)] = (int(fields[1]), fields[0], comm)
    me, out = os.getpid(), {}
    for pid, (ppid, state, comm) in procs.items():
        p, seen = ppid, 0
        while p in procs and p != me and seen < 64:
            p, seen = procs[p][0], seen + 1
        if (p == me or ppid == me) and state != "Z":
            out[pid] = comm
    return out


def reap() -> None:
    while True:
        try:
            if os.waitpid(-1, os.WNOHANG)[0] == 0:
                return
        except ChildProcessError:
            return


def main() -> int:
    mode = sys.argv[1]
    target = sys.argv[2] if mode == "kill9" else None
    failed = False
    command = sys.argv[sys.argv.index("--") + 1:]
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0:
        sys.exit("net-lifetime: prctl failed")
    null = os.open(os.devnull, os.O_RDWR)
    launch = subprocess.Popen(command, stdin=null, stdout=null, stderr=null)
    if mode == "end":
        launch.wait()
    elif mode == "pss":
        deadline, pss = time.monotonic() + 10, None
        while pss is None and time.monotonic() < deadline and launch.poll() is None:
            helper = [p for p, c in descendants().items() if c in HELPERS]
            if helper:
                time.sleep(0.5)
                try:
                    rollup = open(f"/proc/{helper[0]}/smaps_rollup").read()
                    pss = next(l.split()[1] for l in rollup.splitlines() if l.startswith("Pss:"))
                except OSError:
                    pass
            time.sleep(0.05)
        print(pss if pss is not None else "-")
        launch.wait()
    else:
        deadline = time.monotonic() + 10
        while True:
            d = descendants()
            victim = [p for p, c in d.items() if c == target]
            if victim and "sleep" in d.values() and any(c in HELPERS for c in d.values()):
                break
            if time.monotonic() > deadline or launch.poll() is not None:
                print(f"not started: {', '.join(sorted(set(d.values())))}")
                victim, failed = [], True
                break
            time.sleep(0.05)
        if victim:
            time.sleep(0.3)
            os.kill(min(victim), signal.SIGKILL)
    end = time.monotonic() + 1
    while time.monotonic() < end:
        reap()
        time.sleep(0.05)
    left = descendants()
    if not failed and mode != "pss":
        print(", ".join(sorted(set(left.values()))) if left else "none")
    for pid in left:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    time.sleep(0.2)
    reap()
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
