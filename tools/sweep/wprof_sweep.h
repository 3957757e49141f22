/* `wprof sweep` internals: the parsed matrix, the mpirun command of one point, running it under a
 * deadline, and the index of what ran. Only the sweep's files include this. */
#ifndef WPROF_SWEEP_H
#define WPROF_SWEEP_H

#include <signal.h>
#include <stddef.h>
#include <stdio.h>

/* One --set VAR=v1,v2,...: the values of VAR the matrix takes in turn. */
struct sweep_var {
  char *name;
  char **values;
  size_t n_values;
};

struct sweep_opts {
  long *np;
  size_t n_np;
  struct sweep_var *vars;
  size_t n_vars;
  char **mpirun_args; /* --mpirun-args, split shell-like, in order */
  size_t n_mpirun_args;
  const char *hostfile;
  const char *mpirun; /* --mpirun, or "mpirun" found on PATH */
  const char *dir;    /* -o, as given */
  double timeout_s;   /* 0: none */
  int force, dry_run;
  char **app; /* after "--"; NULL-terminated */
  int n_app;
};

/* One point of the matrix: its rank count and the index of each variable's value. */
struct sweep_point {
  size_t id;
  long np;
  size_t *value_idx; /* n_vars entries */
};

enum sweep_status { SWEEP_OK, SWEEP_FAILED, SWEEP_TIMEOUT };

struct sweep_result {
  enum sweep_status status;
  int exit_status; /* the exit code, or 128 + signal */
  int signal;      /* 0 unless mpirun died of a signal */
  double wall_s;
};

/* Splits `text` like a shell (blanks, '...', "...", backslash) and appends the words to *words.
 * 0, or -1 with *why set (unclosed quote, out of memory). */
int sweep_split_words(const char *text, char ***words, size_t *n, const char **why);

/* The mpirun argv of a point (NULL-terminated; free with sweep_free_argv); `report` is the
 * absolute path given to WPROF_OUTPUT. NULL when out of memory. */
char **sweep_point_argv(const struct sweep_opts *o, const struct sweep_point *p, const char *report);
void sweep_free_argv(char **argv);
/* Prints argv as one shell-quoted line (no newline). */
void sweep_print_argv(FILE *out, char *const *argv);

/* Runs argv in its own process group, stdin from /dev/null, stdout+stderr appended to log_fd,
 * killing the group after timeout_s (0: no limit) or when *interrupted becomes non-zero. */
int sweep_run_point(char *const *argv, int log_fd, double timeout_s,
                    volatile sig_atomic_t *interrupted, struct sweep_result *res);

/* Rewrites DIR/index.json (temp file + rename) from the first n points and their results. */
int sweep_write_index(const char *dir, const struct sweep_opts *o, const struct sweep_point *points,
                      const struct sweep_result *results, size_t n);

#endif
