/* A stand-in for a miner's watchdog: runs PROGRAM ARGS... and starts it again within 100 ms whenever it
 * dies, as the loaders of Kinsing-style campaigns do. Usage: standin_watchdog PROGRAM [ARGS...] */
#define _GNU_SOURCE
#include <stdio.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char** argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: standin_watchdog PROGRAM [ARGS...]\n");
    return 2;
  }
  for (;;) {
    pid_t c = fork();
    if (c == 0) {
      execv(argv[1], argv + 1);
      _exit(127);
    }
    int status;
    while (waitpid(c, &status, 0) < 0) {}
    usleep(100000);
  }
}
