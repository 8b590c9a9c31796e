/** `kiln --help`. Kept short; docs/ has the details. */
export const HELP = `kiln - a Firejail-compatible application sandbox

Usage: kiln [OPTIONS] [--] [program [arguments...]]

kiln runs a program in a sandbox built by bubblewrap (bwrap). It reads Firejail's
command line options and profiles (~/.config/kiln, /etc/kiln, ~/.config/firejail,
/etc/firejail, then its built-in profiles). Without a program it starts your shell.

Differences from Firejail:
  - kiln is not setuid. An unprivileged user gets a user namespace from bwrap;
    root gets real privileges. Inside an unprivileged sandbox, supplementary
    groups other than your primary group show as 'nogroup'.
  - no_new_privs is always set; terminal injection (TIOCSTI, TIOCLINUX) is
    blocked in every sandbox; x11 and dbus-* none/filter also cut abstract
    sockets off (Landlock) when there is no network namespace.
  - As an unprivileged user kiln cannot drop supplementary groups (nogroups
    warns); as root, noroot is unavailable, as in Firejail.
  - kiln caches launch plans in its state directory (hidden from sandboxes)
    and re-checks what each was made from; KILN_PLAN_CACHE=0 turns it off.
  - Options Firejail has and kiln does not enforce yet are accepted with a
    warning naming them; they are never silently ignored.
  - kiln's pid becomes tini (package tini), which stays resident and passes
    every signal it gets to the program (Firejail passes only SIGTERM); kiln
    then exits with the status the program chose. SIGPWR ends the sandbox.
    Ctrl-Z stops the program but does not return the starting shell to its
    prompt (tini does not stop itself); kill -CONT resumes it.
  - The program is looked up as execvp will inside the sandbox: PATH entries
    the profile hides or makes noexec are skipped.
  - Resource limits (rlimit-*) bind the program, not kiln's set-up.
  - apparmor stacks kiln's own profile, kiln-default (contrib/apparmor; install
    it first, docs/apparmor.md), or the one named, on the program at exec;
    apparmor-replace changes to it instead. A profile that is not loaded: a
    warning (kiln-default) or no launch (a named one). Where the kernel has
    no AppArmor, --debug says so and nothing else does.
  - The sandbox ends when the program does, with its exit status, as if
    deterministic-shutdown and deterministic-exit-code were always given;
    Firejail by default waits for every process left in the sandbox.
  - --timeout sends the program SIGTERM when time is up and SIGKILL ten
    seconds later; kiln exits 124, or 137 if SIGKILL was needed.
  - Run under another name (a link to kiln named firefox), kiln sandboxes the
    first program of that name on PATH that is not kiln itself, passing every
    argument through; root is sandboxed too (Firejail lets root through).
    'kiln NAME' likewise passes over PATH entries that are links to kiln.
    Inside a sandbox already, such a link runs the program directly (as
    Firejail does); an explicit kiln command there is refused.
  - dbus-user/dbus-system filter run xdg-dbus-proxy (package xdg-dbus-proxy);
    if it is missing or fails, the sandbox does not start (no fallback to the
    unfiltered bus). Rules given without 'filter' do nothing, as in Firejail.
  - x11 xvfb/xephyr/xpra start a nested server (packages xvfb, xserver-xephyr,
    xpra) with a fresh cookie; x11 xorg uses your display with an untrusted
    cookie (xauth). The host display's path and abstract sockets are out of
    reach in every mode, root's included. A missing server stops the launch.
  - --appimage FILE [ARGS] mounts a type 2 AppImage with squashfuse (packages
    squashfuse, fuse3), never a loop device, and runs its AppRun with APPDIR,
    APPIMAGE, ARGV0 and OWD set; type 1 AppImages are refused.
  - tracelog logs each open, stat or exec of a blacklisted path to syslog
    (/dev/log, or KILN_SYSLOG_SOCKET), 20 lines at once then one a second,
    with a count of the rest; without a system log the lines go to stderr.
    Every path call then waits on kiln's supervisor (docs/tracelog.md). As
    in Firejail, a profile's tracelog applies only with 'tracelog yes' in
    /etc/kiln/kiln.config (or firejail.config); --tracelog always applies
    (Firejail refuses it unless the configuration allows it).
  - Networks (docs/network.md). As root, --net=BRIDGE|ETHERNET, --interface
    and --netns work as in Firejail (iproute2; ARP checks the address, which
    takes a second, as in Firejail), and the program never keeps
    CAP_NET_ADMIN, so it cannot undo its filter. An unprivileged user gets a
    private network too: --net=ANY gives eth0 through slirp4netns (package
    slirp4netns), 10.0.2.100/24, gateway .2, DNS .3, the host's loopback out
    of reach; --ip picks another address and network, --mtu and --dns apply,
    bridge-only options warn. netfilter/netfilter6 load Firejail's .net files
    with iptables-restore (package iptables) in the sandbox's namespace, for
    users too. netlock is one nftables table (package nftables) that locks by
    itself after the minute. If any of it fails, the program does not start.

kiln options:
  --help                 show this text
  --version              print the version
  --quiet                no informational messages
  --debug                print the launch plan (bwrap options, fds, init steps)
  --debug-blacklists, --debug-whitelists, --debug-private-lib
                         list the paths those rules hid, kept or brought in
  --noprofile            use no profile at all
  --profile=NAME|PATH    use this profile instead of the program's own
  --profile.check=NAME|PATH    check a profile and print its diagnostics
  --profile.explain=NAME|PATH  print what a profile does, resolved
  --shell=none           run the program directly (the default when one is given)
  --output=FILE, --output-stderr=FILE
                         copy the program's stdout (and stderr) to FILE, rotated
                         at 500 KiB through FILE.1..FILE.5; a program that had a
                         terminal keeps one (Firejail gives it a pipe)
  --oom=N                the sandbox's OOM score adjustment, -1000..1000; lowering
                         it needs CAP_SYS_RESOURCE, and kiln stops if it lacks it
  --chroot=DIR           run the program with DIR as its root filesystem; DIR and
                         its parents are root's (or, for a user, the user's own)
  --firecfg [OPTIONS]    desktop integration: link programs that have a profile
                         to kiln (kiln --firecfg --help; docs/desktop.md)
  --ids-init, --ids-check  record the files ids.config lists, or report what
                         changed since: exit 2 if anything did (docs/ids.md)
  --trace[=FILE]         log the program's execs, opens (with flags), sockets,
                         connects and binds, PID:COMM:call args:result, to stderr
                         or FILE; strace (package strace) runs outside the
                         sandbox, so static binaries are traced and the profile
                         still applies; PIDs are the host's (Firejail's are the
                         sandbox's); lines may arrive just after the program ends
  --build[=FILE] PROGRAM [ARGS]  run PROGRAM once under --noprofile, traced with
                         strace, write a profile from what it used to FILE (never
                         over an existing file) or stdout, then run PROGRAM again
                         under it and say whether it ended the same way (exit 0
                         if it did); the program runs twice (docs/build.md)

Running sandboxes (yours; root sees everyone's; NAME|PID as --list shows it):
  --list [--json]        PID:USER:NAME:COMMAND for each sandbox, or JSON
  --tree [--json]        the same, with each sandbox's processes
  --top                  CPU and memory per sandbox, live; q or Ctrl-C ends it
  --join=NAME|PID [program]   run a shell or program inside, with the
                         sandbox's seccomp filter, capabilities and nonewprivs
  --join-filesystem=NAME|PID, --join-network=NAME|PID [program]
                         enter only its mount or network namespace; no filters
  --join-or-start=NAME [program]  join NAME if it runs, else start it
  --shutdown=NAME|PID    end it: SIGTERM, then SIGKILL after ten seconds
  --ls=NAME|PID PATH, --get=NAME|PID PATH, --put=NAME|PID SRC DEST
                         list, fetch (into the current directory) or store
                         files inside it, with its owner's permissions
  --cat=NAME|PID FILE    print a file as the sandbox sees it
  --profile.print, --seccomp.print, --caps.print, --protocol.print=NAME|PID
                         what it was started with (docs/manage.md)
  --fs.print=NAME|PID    its filesystem steps, one line each, in mount order
  --cpu.print=NAME|PID   the CPUs its program may run on
  --apparmor.print=NAME|PID   its program's AppArmor label, where AppArmor is on
  --net.print=NAME|PID   its interfaces: name, MAC, IPv4 address, mask, state
  --netfilter.print=NAME|PID, --netfilter6.print=NAME|PID
                         the rules loaded in its network namespace (iptables-save)
  --dns.print=NAME|PID   the nameservers in its /etc/resolv.conf
  --netstats             bytes received and sent per interface of each sandbox
                         with its own network; printed once (Firejail's refreshes)
  --bandwidth=NAME|PID set IFACE DOWN UP | clear IFACE | status
                         shape its interface with tc; speeds in KB/s; IFACE is
                         the --net device or the name inside (docs/manage.md)
  --nettrace, --dnstrace, --icmptrace, --snitrace=NAME|PID
                         watch its network with tcpdump (package tcpdump): new
                         TCP/UDP connections, DNS queries, ICMP, TLS server
                         names; until Ctrl-C or the sandbox ends (docs/manage.md)
  --debug-syscalls, --debug-syscalls32, --debug-errnos, --debug-protocols,
  --debug-caps           kiln's tables

Every Firejail profile command is also an option: private-dev is --private-dev,
caps.drop all is --caps.drop=all. See firejail(1) and firejail-profile(5).

Exit status: the program's own, or 128+N if it was killed by signal N;
1 for a usage error, 127 if the program does not exist in the sandbox,
126 if it cannot be executed there, 124 when --timeout ended it.
`;
