/* `wprof sweep`: the mpirun command of one point and running it under a deadline, in its own
 * process group so that a timeout or an interrupt reaches mpirun and everything it started. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "wprof_sweep.h"

/* A growing word being read by sweep_split_words. */
struct word_buf {
  char *s;
  size_t len, cap;
};

static int word_put(struct word_buf *w, char c) {
  if (w->len + 1 >= w->cap) {
    size_t cap = w->cap ? 2 * w->cap : 32;
    char *s = realloc(w->s, cap);
    if (!s) return -1;
    w->s = s;
    w->cap = cap;
  }
  w->s[w->len++] = c;
  w->s[w->len] = '\0';
  return 0;
}

static int words_append(char ***words, size_t *n, char *word) {
  char **grown = realloc(*words, (*n + 2) * sizeof *grown);
  if (!grown) return -1;
  grown[(*n)++] = word;
  grown[*n] = NULL;
  *words = grown;
  return 0;
}

/* Reads one quoted span starting after its opening quote; returns the position after the closing
 * quote, or NULL when it is not closed. Inside "...", a backslash escapes only $ ` " \ and newline. */
static const char *read_quoted(const char *p, char quote, struct word_buf *w, int *oom) {
  for (; *p && *p != quote; p++) {
    if (quote == '"' && *p == '\\' && p[1] && strchr("$`\"\\\n", p[1])) p++;
    if (word_put(w, *p) != 0) *oom = 1;
  }
  return *p ? p + 1 : NULL;
}

int sweep_split_words(const char *text, char ***words, size_t *n, const char **why) {
  const char *p = text;
  int oom = 0;
  for (;;) {
    while (*p == ' ' || *p == '\t' || *p == '\n') p++;
    if (!*p) return 0;
    struct word_buf w = {0};
    while (*p && *p != ' ' && *p != '\t' && *p != '\n') {
      if (*p == '\'' || *p == '"') {
        char quote = *p;
        p = read_quoted(p + 1, quote, &w, &oom);
        if (!p) {
          free(w.s);
          *why = quote == '\'' ? "unclosed ' quote" : "unclosed \" quote";
          return -1;
        }
        continue;
      }
      if (*p == '\\' && p[1]) p++;
      if (word_put(&w, *p++) != 0) oom = 1;
    }
    if (!w.s && !oom) w.s = strdup(""); /* an empty quoted word ('') is still a word */
    if (oom || !w.s || words_append(words, n, w.s) != 0) {
      free(w.s);
      *why = "out of memory";
      return -1;
    }
  }
}

void sweep_free_argv(char **argv) {
  if (!argv) return;
  for (char **a = argv; *a; a++) free(*a);
  free(argv);
}

static int push(char ***argv, size_t *n, const char *word) {
  char *copy = strdup(word);
  if (!copy || words_append(argv, n, copy) != 0) {
    free(copy);
    return -1;
  }
  return 0;
}

static int push_env(char ***argv, size_t *n, const char *name, const char *value) {
  size_t len = strlen(name) + strlen(value) + 2;
  char *kv = malloc(len);
  if (!kv) return -1;
  snprintf(kv, len, "%s=%s", name, value);
  int rc = push(argv, n, "-x");
  if (rc == 0) rc = words_append(argv, n, kv);
  if (rc != 0) free(kv);
  return rc;
}

/* mpirun -np N [--hostfile F] [mpirun args] -x VAR=value... -x WPROF_OUTPUT=report app args.
 * Each push runs only while the ones before it succeeded, so the words keep their order. */
char **sweep_point_argv(const struct sweep_opts *o, const struct sweep_point *p, const char *report) {
  char **argv = NULL;
  size_t n = 0;
  char np[32];
  snprintf(np, sizeof np, "%ld", p->np);
  int rc = push(&argv, &n, o->mpirun);
  if (rc == 0) rc = push(&argv, &n, "-np");
  if (rc == 0) rc = push(&argv, &n, np);
  if (rc == 0 && o->hostfile) rc = push(&argv, &n, "--hostfile");
  if (rc == 0 && o->hostfile) rc = push(&argv, &n, o->hostfile);
  for (size_t i = 0; rc == 0 && i < o->n_mpirun_args; i++) rc = push(&argv, &n, o->mpirun_args[i]);
  for (size_t v = 0; rc == 0 && v < o->n_vars; v++)
    rc = push_env(&argv, &n, o->vars[v].name, o->vars[v].values[p->value_idx[v]]);
  if (rc == 0) rc = push_env(&argv, &n, "WPROF_OUTPUT", report);
  for (int i = 0; rc == 0 && i < o->n_app; i++) rc = push(&argv, &n, o->app[i]);
  if (rc != 0) {
    sweep_free_argv(argv);
    return NULL;
  }
  return argv;
}

/* A word as the shell would need it typed: bare when it holds only safe characters. */
static void print_word(FILE *out, const char *w) {
  if (*w && strspn(w, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-+=/.,:@%") ==
                strlen(w)) {
    fputs(w, out);
    return;
  }
  fputc('\'', out);
  for (; *w; w++) {
    if (*w == '\'') fputs("'\\''", out);
    else fputc(*w, out);
  }
  fputc('\'', out);
}

void sweep_print_argv(FILE *out, char *const *argv) {
  for (size_t i = 0; argv[i]; i++) {
    if (i) fputc(' ', out);
    print_word(out, argv[i]);
  }
}

static double now_s(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void sleep_s(double s) {
  struct timespec t = {(time_t)s, (long)((s - (double)(time_t)s) * 1e9)};
  nanosleep(&t, NULL); /* an early wake-up (a signal) only means the next poll comes sooner */
}

/* The child: own process group, the log as stdout and stderr, no terminal input. */
static void exec_child(char *const *argv, int log_fd) {
  setpgid(0, 0);
  int null_fd = open("/dev/null", O_RDONLY);
  if (null_fd >= 0) dup2(null_fd, STDIN_FILENO);
  dup2(log_fd, STDOUT_FILENO);
  dup2(log_fd, STDERR_FILENO);
  execvp(argv[0], argv);
  dprintf(STDERR_FILENO, "wprof sweep: cannot run %s: %s\n", argv[0], strerror(errno));
  _exit(errno == ENOENT ? 127 : 126);
}

/* SIGTERM to the group first (mpirun then stops its daemons and ranks), SIGKILL after a grace. */
static int stop_group(pid_t pid, double grace_s) {
  int ws = 0;
  kill(-pid, SIGTERM);
  double until = now_s() + grace_s;
  while (now_s() < until) {
    if (waitpid(pid, &ws, WNOHANG) == pid) {
      kill(-pid, SIGKILL); /* whatever of the group outlived mpirun */
      return ws;
    }
    sleep_s(0.05);
  }
  kill(-pid, SIGKILL);
  while (waitpid(pid, &ws, 0) < 0 && errno == EINTR) {}
  return ws;
}

int sweep_run_point(char *const *argv, int log_fd, double timeout_s,
                    volatile sig_atomic_t *interrupted, struct sweep_result *res) {
  double t0 = now_s();
  pid_t pid = fork();
  if (pid < 0) return -1;
  if (pid == 0) exec_child(argv, log_fd);
  setpgid(pid, pid); /* also here, so a kill right after fork already reaches the group */
  int ws = 0, timed_out = 0;
  for (double step = 0.005;; step = step < 0.1 ? step * 2 : 0.1) {
    pid_t got = waitpid(pid, &ws, WNOHANG);
    if (got == pid) break;
    if (got < 0 && errno != EINTR) return -1;
    if (*interrupted) {
      ws = stop_group(pid, 5.0);
      break;
    }
    if (timeout_s > 0 && now_s() - t0 >= timeout_s) {
      timed_out = 1;
      ws = stop_group(pid, 5.0);
      break;
    }
    sleep_s(step);
  }
  res->wall_s = now_s() - t0;
  res->signal = WIFSIGNALED(ws) ? WTERMSIG(ws) : 0;
  res->exit_status = WIFEXITED(ws) ? WEXITSTATUS(ws) : 128 + res->signal;
  res->status = timed_out ? SWEEP_TIMEOUT : res->exit_status == 0 ? SWEEP_OK : SWEEP_FAILED;
  return 0;
}
