#!/usr/bin/env python3
"""A bwrap sandbox with user-mode networking attached from outside, without kiln: for bench/network.sh only.

    net-usermode.py slirp MTU -- COMMAND...     slirp4netns, as kiln's set-up stage starts it
    net-usermode.py pasta MTU -- COMMAND...     pasta attached to the sandbox's namespaces by pid
    net-usermode.py pasta-stop MTU -- COMMAND...  the same, then SIGTERM to pasta when COMMAND ends
    net-usermode.py none MTU -- COMMAND...      no helper: what this driver and bwrap cost by themselves

bwrap makes the user, network and pid namespaces and holds COMMAND back on --block-fd; the helper is
started on /proc/PID/ns/{user,net} (PID from --info-fd), and once it is ready COMMAND runs. Exits with
COMMAND's status.

slirp4netns gets the writing end of a pipe as --exit-fd whose reading end only bwrap and the sandbox
hold, as in kiln: it exits when the sandbox ends, however it ends. pasta (Debian 12's 2023-03-09) has no
such fd: it is started as it would be by hand, forks into the background once the namespace is
configured (its parent's exit is the ready signal), and is left to find out by itself (pasta), or
stopped by pid the way a launcher without an fd to tie it would have to (pasta-stop).
"""
import json, os, signal, subprocess, sys, tempfile

BWRAP = ["bwrap", "--unshare-user", "--unshare-net", "--unshare-pid", "--die-with-parent",
         "--bind", "/", "/", "--dev-bind", "/dev", "/dev", "--proc", "/proc"]


def main() -> int:
    helper, mtu, sep, command = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
    if helper not in ("slirp", "pasta", "pasta-stop", "none") or sep != "--" or not command:
        sys.exit(__doc__)
    info_r, info_w = os.pipe()
    block_r, block_w = os.pipe()
    life_r, life_w = os.pipe()
    sandbox = subprocess.Popen([*BWRAP, "--info-fd", str(info_w), "--block-fd", str(block_r), "--", *command],
                               pass_fds=(info_w, block_r, life_r))
    for fd in (info_w, block_r, life_r):
        os.close(fd)
    text = b""
    while chunk := os.read(info_r, 4096):
        text += chunk
    os.close(info_r)
    if not text:
        return sandbox.wait()
    pid = json.loads(text)["child-pid"]
    if helper == "none":
        os.close(life_w)
        ok = True
    elif helper == "slirp":
        ready_r, ready_w = os.pipe()
        subprocess.Popen(["slirp4netns", "--configure", f"--mtu={mtu}", "--disable-host-loopback",
                          "--netns-type=path", f"--userns-path=/proc/{pid}/ns/user",
                          f"--exit-fd={life_w}", f"--ready-fd={ready_w}", f"/proc/{pid}/ns/net", "tap0"],
                         pass_fds=(life_w, ready_w), stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL, start_new_session=True)
        os.close(life_w)
        os.close(ready_w)
        ok = os.read(ready_r, 1) == b"1"
        os.close(ready_r)
    else:
        os.close(life_w)
        pidfile = tempfile.NamedTemporaryFile(prefix="net-usermode-pasta.")
        ok = subprocess.run(["pasta", "-P", pidfile.name, "--config-net", "--no-map-gw", "-q", f"--mtu={mtu}", "-t", "none", "-u", "none",
                             "-T", "none", "-U", "none", "--netns", f"/proc/{pid}/ns/net", "--userns", f"/proc/{pid}/ns/user"],
                            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode == 0
    if not ok:
        print(f"net-usermode: {helper} did not start", file=sys.stderr)
        sandbox.kill()
        sandbox.wait()
        return 1
    os.write(block_w, b"1")
    os.close(block_w)
    status = sandbox.wait()
    if helper == "pasta-stop":
        os.kill(int(open(pidfile.name).read()), signal.SIGTERM)
    return status


if __name__ == "__main__":
    sys.exit(main())
