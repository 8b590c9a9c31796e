/* An argument-checked syscall in a loop: ioctl(-1, FIONREAD, 0) N times (EBADF at once, so the
 * seccomp filter's cost shows). Built by bench/seccomp.sh when a C compiler is present. */
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(int argc, char **argv) {
  long n = argc > 1 ? atol(argv[1]) : 1000000;
  for (long i = 0; i < n; i++) syscall(SYS_ioctl, -1, FIONREAD, 0);
  return 0;
}
