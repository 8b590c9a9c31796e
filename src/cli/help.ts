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
  - Terminal injection (TIOCSTI, TIOCLINUX) is blocked in every sandbox.
  - Options Firejail has and kiln does not enforce yet are accepted with a
    warning naming them; they are never silently ignored.
  - When kiln is sent SIGINT, SIGTERM or SIGHUP, the sandbox is shut down and
    kiln exits with 128+signal, as Firejail does; the program is killed with
    SIGKILL rather than receiving the signal (see docs/launch.md).

kiln options:
  --help                 show this text
  --version              print the version
  --quiet                no informational messages
  --debug                print the launch plan (bwrap options, fds, init steps)
  --noprofile            use no profile at all
  --profile=NAME|PATH    use this profile instead of the program's own
  --profile.check=NAME|PATH    check a profile and print its diagnostics
  --profile.explain=NAME|PATH  print what a profile does, resolved
  --shell=none           run the program directly (the default when one is given)

Every Firejail profile command is also an option: private-dev is --private-dev,
caps.drop all is --caps.drop=all. See firejail(1) and firejail-profile(5).

Exit status: the program's own, or 128+N if it was killed by signal N;
1 for a usage error, 127 if the program does not exist.
`;
