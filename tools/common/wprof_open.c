/* Opening reports safely: libhdf5 can crash or hang on a damaged file (docs/design.md, "The report path"), so the
 * reports are read in a forked child under a deadline and any failure becomes one line and exit 2. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "wpio_h5.h"
#include "wprof_cli.h"

#define DEFAULT_TIMEOUT_S 60
#define MAX_TIMEOUT_S 86400
#define TIMEOUT_ENV "WPROF_OPEN_TIMEOUT_S"

/* The child's first byte on the status pipe: every report is read (then it prints), or it failed
 * (the reason follows). No byte at all means it died while reading. */
#define MSG_READ 'R'
#define MSG_ERROR 'E'

static int open_timeout(long *secs) {
  const char *s = getenv(TIMEOUT_ENV);
  *secs = DEFAULT_TIMEOUT_S;
  if (!s) return 0;
  if (wprof_parse_long(s, 1, MAX_TIMEOUT_S, secs) == 0) return 0;
  wprof_error("%s=%s is not a whole number of seconds from 1 to %d", TIMEOUT_ENV, s, MAX_TIMEOUT_S);
  return -1;
}

static void write_all(int fd, const char *p, size_t n) {
  while (n > 0) {
    ssize_t k = write(fd, p, n);
    if (k < 0 && errno == EINTR) continue;
    if (k <= 0) return;
    p += k;
    n -= (size_t)k;
  }
}

/* The child: read first, say so, then run. Never returns. */
static void child_main(int fd, wprof_guarded_read_fn read, wprof_guarded_run_fn run, void *ctx) {
  char err[1024] = "";
  if (read(ctx, err, sizeof err) < 0) {
    char msg[1100];
    int k = snprintf(msg, sizeof msg, "%c%s", MSG_ERROR, err[0] ? err : "cannot read report");
    write_all(fd, msg, k > 0 ? ((size_t)k < sizeof msg ? (size_t)k : sizeof msg - 1) : 0);
    _exit(WPROF_EXIT_USAGE);
  }
  write_all(fd, "R", 1);
  close(fd);
  int rc = run(ctx);
  if (fflush(stdout) != 0 && rc == WPROF_EXIT_OK) {
    wprof_error("cannot write the output: %s", strerror(errno));
    rc = WPROF_EXIT_FAIL;
  }
  fflush(stderr);
  /* _exit: HDF5's atexit clean-up must not run on a library that may have seen a damaged file */
  _exit(rc);
}

static long ms_left(const struct timespec *deadline) {
  struct timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  long ms = (deadline->tv_sec - now.tv_sec) * 1000L + (deadline->tv_nsec - now.tv_nsec) / 1000000L;
  return ms > 0 ? ms : 0;
}

/* Reads what the child says until EOF or the deadline. Returns bytes read, or -1 on timeout. */
static ssize_t read_status(int fd, char *buf, size_t cap, const struct timespec *deadline) {
  size_t got = 0;
  for (;;) {
    struct pollfd p = { fd, POLLIN, 0 };
    int pr = poll(&p, 1, (int)ms_left(deadline));
    if (pr < 0 && errno == EINTR) continue;
    if (pr == 0) return -1;
    if (pr < 0) return (ssize_t)got;
    ssize_t k = read(fd, buf + got, cap - 1 - got);
    if (k < 0 && errno == EINTR) continue;
    if (k <= 0) break;
    got += (size_t)k;
    if (buf[0] == MSG_READ || got >= cap - 1) break;
  }
  buf[got] = '\0';
  return (ssize_t)got;
}

static int wait_child(pid_t pid) {
  int st = 0;
  while (waitpid(pid, &st, 0) < 0 && errno == EINTR) {}
  return st;
}

/* The child finished reading: its status is the command's, unless it died while printing. */
static int after_read(pid_t pid, const char *what) {
  int st = wait_child(pid);
  if (WIFEXITED(st)) return WEXITSTATUS(st);
  int sig = WIFSIGNALED(st) ? WTERMSIG(st) : 0;
  if (sig == SIGPIPE) return 128 + SIGPIPE; /* the reader of our output went away: stay quiet */
  wprof_error("%s: crashed while printing the report (%s)", what, strsignal(sig));
  return WPROF_EXIT_USAGE;
}

/* The child ended without finishing the read: a crash, or an unexpected exit. */
static int died_reading(pid_t pid, const char *what) {
  int st = wait_child(pid);
  if (WIFSIGNALED(st))
    wprof_error("%s: cannot read report (the HDF5 library crashed on it: %s)", what,
                strsignal(WTERMSIG(st)));
  else
    wprof_error("%s: cannot read report (the reader exited with status %d)", what,
                WIFEXITED(st) ? WEXITSTATUS(st) : -1);
  return WPROF_EXIT_USAGE;
}

static int timed_out(pid_t pid, const char *what, long secs) {
  kill(pid, SIGKILL);
  wait_child(pid);
  wprof_error("%s: cannot read report (the HDF5 library did not finish within %ld s; the file may "
              "be damaged; %s sets the limit)", what, secs, TIMEOUT_ENV);
  return WPROF_EXIT_USAGE;
}

static int parent_main(pid_t pid, int fd, const char *what, long secs) {
  struct timespec deadline;
  clock_gettime(CLOCK_MONOTONIC, &deadline);
  deadline.tv_sec += secs;
  char buf[1200];
  ssize_t got = read_status(fd, buf, sizeof buf, &deadline);
  close(fd);
  if (got < 0) return timed_out(pid, what, secs);
  if (got > 0 && buf[0] == MSG_READ) return after_read(pid, what);
  if (got > 0 && buf[0] == MSG_ERROR) {
    wait_child(pid);
    for (char *p = buf + 1; *p; p++)
      if (*p == '\n' || *p == '\r') *p = ' '; /* one line, whatever the reason says */
    wprof_error("%s", buf + 1);
    return WPROF_EXIT_USAGE;
  }
  return died_reading(pid, what);
}

int wprof_guarded(const char *what, wprof_guarded_read_fn read, wprof_guarded_run_fn run, void *ctx) {
  long secs;
  if (open_timeout(&secs) < 0) return WPROF_EXIT_USAGE;
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) < 0) {
    wprof_error("cannot create a pipe: %s", strerror(errno));
    return WPROF_EXIT_FAIL;
  }
  fflush(NULL); /* the child must not print our buffered output a second time */
  pid_t pid = fork();
  if (pid < 0) {
    wprof_error("cannot fork the report reader: %s", strerror(errno));
    close(fds[0]);
    close(fds[1]);
    return WPROF_EXIT_FAIL;
  }
  if (pid == 0) {
    close(fds[0]);
    child_main(fds[1], read, run, ctx);
  }
  close(fds[1]);
  return parent_main(pid, fds[0], what, secs);
}

/* wprof_with_reports over wprof_guarded: every report read into jobs, then fn. */
struct reports {
  const char *const *paths;
  size_t n;
  wprof_reports_fn fn;
  void *ctx;
  struct wpio_job *jobs;
};

static int read_reports(void *ctx, char *err, size_t errlen) {
  struct reports *r = ctx;
  r->jobs = calloc(r->n ? r->n : 1, sizeof(*r->jobs));
  if (!r->jobs) {
    snprintf(err, errlen, "out of memory");
    return -1;
  }
  for (size_t i = 0; i < r->n; i++) {
    wpio_job_init(&r->jobs[i]);
    if (wpio_h5_read_report(r->paths[i], &r->jobs[i], err, errlen) < 0) return -1;
  }
  return 0;
}

static int run_reports(void *ctx) {
  struct reports *r = ctx;
  return r->fn(r->jobs, r->paths, r->n, r->ctx);
}

int wprof_with_reports(const char *const *paths, size_t n, wprof_reports_fn fn, void *ctx) {
  struct reports r = {paths, n, fn, ctx, NULL};
  return wprof_guarded(n == 1 ? paths[0] : "the reports", read_reports, run_reports, &r);
}
