/* Path syscalls in a loop: stat(PATH) and, when that succeeds, open(PATH) and close, N times; or, with
 * MODE "stat", stat only. Each iteration is one or two calls that tracelog's filter hands to its
 * supervisor. Built by bench/tracelog.sh. */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int main(int argc, char **argv) {
  long n = argc > 1 ? atol(argv[1]) : 100000;
  const char *path = argc > 2 ? argv[2] : "/etc/hostname";
  int statOnly = argc > 3 && strcmp(argv[3], "stat") == 0;
  struct stat st;
  for (long i = 0; i < n; i++) {
    if (stat(path, &st) != 0 || statOnly) continue;
    int fd = open(path, O_RDONLY);
    if (fd >= 0) close(fd);
  }
  return 0;
}
