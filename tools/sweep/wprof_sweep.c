/* `wprof sweep --np 1,2,4 [--set VAR=a,b]... -o DIR -- ./app args`: runs mpirun once per point of
 * the matrix (rank counts x every combination of the --set values), one report and one log per
 * point, an index of what ran rewritten after each point, and a progress line with an ETA. A failed
 * point is recorded and the sweep goes on. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "wprof_cli.h"
#include "wprof_sweep.h"

const char wprof_sweep_usage[] =
    "wprof sweep --np LIST [--set VAR=V1,V2,...]... [--hostfile F] [--mpirun-args \"ARGS\"] "
    "[--mpirun PATH] [--timeout S] [--force] [--dry-run] -o DIR -- APP [ARGS...]";

#define SWEEP_MAX_POINTS 10000

static volatile sig_atomic_t interrupted;

static void on_signal(int sig) { interrupted = sig; }

/* Splits "a,b,c" into fresh strings; -1 on an empty item (",", "a,,b"). */
static int split_list(const char *text, char ***items, size_t *n) {
  const char *p = text;
  for (;;) {
    size_t len = strcspn(p, ",");
    if (len == 0) return -1;
    char **grown = realloc(*items, (*n + 1) * sizeof *grown);
    if (!grown) return -1;
    *items = grown;
    if (!(grown[*n] = strndup(p, len))) return -1;
    (*n)++;
    if (!p[len]) return 0;
    p += len + 1;
  }
}

static void free_list(char **items, size_t n) {
  for (size_t i = 0; i < n; i++) free(items[i]);
  free(items);
}

static int parse_np(struct sweep_opts *o, const char *text) {
  char **items = NULL;
  size_t n = 0;
  int rc = split_list(text, &items, &n);
  for (size_t i = 0; rc == 0 && i < n; i++) {
    long v;
    long *grown = realloc(o->np, (o->n_np + 1) * sizeof *grown);
    if (!grown || wprof_parse_long(items[i], 1, 1000000, &v) != 0) {
      if (grown) o->np = grown;
      rc = -1;
      break;
    }
    o->np = grown;
    o->np[o->n_np++] = v;
  }
  free_list(items, n);
  return rc == 0 ? 0 : wprof_usage_error(wprof_sweep_usage,
                                         "--np %s: want a comma list of rank counts >= 1", text);
}

static int valid_env_name(const char *s, size_t len) {
  if (len == 0 || (s[0] >= '0' && s[0] <= '9')) return 0;
  for (size_t i = 0; i < len; i++)
    if (!(s[i] == '_' || (s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= 'a' && s[i] <= 'z') ||
          (s[i] >= '0' && s[i] <= '9')))
      return 0;
  return 1;
}

static int parse_set(struct sweep_opts *o, const char *text) {
  const char *eq = strchr(text, '=');
  if (!eq) return wprof_usage_error(wprof_sweep_usage, "--set %s: want VAR=V1,V2,...", text);
  size_t len = (size_t)(eq - text);
  if (!valid_env_name(text, len))
    return wprof_usage_error(wprof_sweep_usage, "--set %s: '%.*s' is not a variable name", text,
                             (int)len, text);
  if (len == 12 && strncmp(text, "WPROF_OUTPUT", len) == 0)
    return wprof_usage_error(wprof_sweep_usage, "--set WPROF_OUTPUT: the sweep names each report");
  for (size_t v = 0; v < o->n_vars; v++)
    if (strlen(o->vars[v].name) == len && strncmp(o->vars[v].name, text, len) == 0)
      return wprof_usage_error(wprof_sweep_usage, "--set %.*s given twice", (int)len, text);
  struct sweep_var *grown = realloc(o->vars, (o->n_vars + 1) * sizeof *grown);
  if (!grown) return WPROF_EXIT_FAIL;
  o->vars = grown;
  struct sweep_var *var = &o->vars[o->n_vars++];
  *var = (struct sweep_var){strndup(text, len), NULL, 0};
  if (!var->name || split_list(eq + 1, &var->values, &var->n_values) != 0)
    return wprof_usage_error(wprof_sweep_usage, "--set %s: want a comma list of non-empty values",
                             text);
  return 0;
}

static int parse_timeout(struct sweep_opts *o, const char *text) {
  char *end = NULL;
  errno = 0;
  double s = strtod(text, &end);
  if (errno || end == text || *end || !isfinite(s) || s <= 0)
    return wprof_usage_error(wprof_sweep_usage, "--timeout %s: want seconds > 0", text);
  o->timeout_s = s;
  return 0;
}

static int apply_option(struct sweep_opts *o, const char *name, const char *value) {
  if (strcmp(name, "--force") == 0) return o->force = 1, 0;
  if (strcmp(name, "--dry-run") == 0) return o->dry_run = 1, 0;
  if (!value) return wprof_usage_error(wprof_sweep_usage, "%s needs a value", name);
  if (strcmp(name, "--np") == 0) return parse_np(o, value);
  if (strcmp(name, "--set") == 0) return parse_set(o, value);
  if (strcmp(name, "--timeout") == 0) return parse_timeout(o, value);
  if (strcmp(name, "--hostfile") == 0) return o->hostfile = value, 0;
  if (strcmp(name, "--mpirun") == 0) return o->mpirun = value, 0;
  if (strcmp(name, "-o") == 0 || strcmp(name, "--output") == 0) return o->dir = value, 0;
  if (strcmp(name, "--mpirun-args") == 0) {
    const char *why = NULL;
    if (sweep_split_words(value, &o->mpirun_args, &o->n_mpirun_args, &why) != 0)
      return wprof_usage_error(wprof_sweep_usage, "--mpirun-args %s: %s", value, why);
    return 0;
  }
  return wprof_usage_error(wprof_sweep_usage, "unknown option '%s'", name);
}

static int is_flag(const char *name) {
  return strcmp(name, "--force") == 0 || strcmp(name, "--dry-run") == 0;
}

/* Options up to "--", then the application; returns 0 or an exit status. */
static int parse_args(struct sweep_opts *o, int argc, char **argv) {
  int i = 1;
  for (; i < argc && strcmp(argv[i], "--") != 0; i++) {
    const char *arg = argv[i], *eq = strchr(arg, '=');
    if (arg[0] != '-')
      return wprof_usage_error(wprof_sweep_usage, "'%s': put the application after `--`", arg);
    char name[32];
    snprintf(name, sizeof name, "%.*s", eq ? (int)(eq - arg) : (int)strlen(arg), arg);
    const char *value = eq ? eq + 1 : is_flag(name) || i + 1 >= argc ? NULL : argv[++i];
    int rc = apply_option(o, name, value);
    if (rc) return rc;
  }
  if (i >= argc || i + 1 >= argc)
    return wprof_usage_error(wprof_sweep_usage, "no application: give it after `--`");
  o->app = argv + i + 1;
  o->n_app = argc - i - 1;
  if (o->n_np == 0) return wprof_usage_error(wprof_sweep_usage, "--np LIST is required");
  if (!o->dir) return wprof_usage_error(wprof_sweep_usage, "-o DIR is required");
  return 0;
}

/* Every point, rank counts outermost and the last --set varying fastest. */
static struct sweep_point *make_points(const struct sweep_opts *o, size_t *n_out) {
  size_t per_np = 1;
  for (size_t v = 0; v < o->n_vars; v++) {
    per_np *= o->vars[v].n_values;
    if (per_np > SWEEP_MAX_POINTS) return NULL;
  }
  size_t n = per_np * o->n_np;
  if (n > SWEEP_MAX_POINTS) return NULL;
  struct sweep_point *points = calloc(n, sizeof *points);
  size_t *idx = calloc(n * (o->n_vars ? o->n_vars : 1), sizeof *idx);
  if (!points || !idx) {
    free(points);
    free(idx);
    return NULL;
  }
  for (size_t k = 0; k < n; k++) {
    points[k] = (struct sweep_point){k, o->np[k / per_np], idx + k * o->n_vars};
    size_t rest = k % per_np;
    for (size_t v = o->n_vars; v-- > 0;) {
      points[k].value_idx[v] = rest % o->vars[v].n_values;
      rest /= o->vars[v].n_values;
    }
  }
  *n_out = n;
  return points;
}

static void free_points(struct sweep_point *points) {
  if (points) free(points[0].value_idx);
  free(points);
}

static void free_opts(struct sweep_opts *o) {
  free(o->np);
  for (size_t v = 0; v < o->n_vars; v++) {
    free(o->vars[v].name);
    free_list(o->vars[v].values, o->vars[v].n_values);
  }
  free(o->vars);
  for (size_t i = 0; i < o->n_mpirun_args; i++) free(o->mpirun_args[i]);
  free(o->mpirun_args);
}

/* Finds a command on PATH, as execvp will; 0 when found (or when it names a path that exists). */
static int find_on_path(const char *cmd) {
  if (strchr(cmd, '/')) return access(cmd, X_OK);
  const char *path = getenv("PATH");
  for (const char *p = path ? path : "/usr/bin:/bin"; *p;) {
    size_t len = strcspn(p, ":");
    char full[PATH_MAX];
    snprintf(full, sizeof full, "%.*s/%s", (int)len, len ? p : ".", cmd);
    if (access(full, X_OK) == 0) return 0;
    p += len + (p[len] == ':');
  }
  return -1;
}

/* mkdir -p DIR */
static int make_dirs(const char *dir) {
  char *copy = strdup(dir);
  if (!copy) return -1;
  int rc = 0;
  for (char *p = copy + 1; rc == 0;) {
    char *slash = strchr(p, '/');
    if (slash) *slash = '\0';
    if (mkdir(copy, 0777) != 0 && errno != EEXIST) rc = -1;
    if (!slash) break;
    *slash = '/';
    p = slash + 1;
  }
  free(copy);
  struct stat st;
  return rc == 0 && stat(dir, &st) == 0 && S_ISDIR(st.st_mode) ? 0 : -1;
}

/* DIR as an absolute path (the ranks may start elsewhere), without resolving links. */
static char *absolute_dir(const char *dir) {
  char cwd[PATH_MAX];
  if (dir[0] == '/' || !getcwd(cwd, sizeof cwd)) return strdup(dir);
  size_t len = strlen(cwd) + strlen(dir) + 2;
  char *abs = malloc(len);
  if (abs) snprintf(abs, len, "%s/%s", cwd, dir);
  return abs;
}

/* "np=4 WPROF_MAX_ITERS=10" */
static void print_point(FILE *out, const struct sweep_opts *o, const struct sweep_point *p) {
  fprintf(out, "np=%ld", p->np);
  for (size_t v = 0; v < o->n_vars; v++)
    fprintf(out, " %s=%s", o->vars[v].name, o->vars[v].values[p->value_idx[v]]);
}

/* "[3/8] np=4 WPROF_MAX_ITERS=10: ok in 2.1 s (ETA 12 s)", the ETA from the mean wall time so far. */
static void print_progress(const struct sweep_opts *o, const struct sweep_point *p,
                           const struct sweep_result *r, int have_report, size_t done, size_t n,
                           double wall_sum) {
  fprintf(stderr, "[%zu/%zu] ", done, n);
  print_point(stderr, o, p);
  if (r->status == SWEEP_OK) fprintf(stderr, ": ok");
  else if (r->status == SWEEP_TIMEOUT) fprintf(stderr, ": timeout");
  else if (r->signal) fprintf(stderr, ": failed (signal %d)", r->signal);
  else if (r->exit_status) fprintf(stderr, ": failed (exit %d)", r->exit_status);
  else if (!have_report) fprintf(stderr, ": failed (no report)");
  fprintf(stderr, " in %.1f s (ETA %.0f s)\n", r->wall_s, wall_sum / (double)done * (double)(n - done));
}

static int print_dry_run(const struct sweep_opts *o, const struct sweep_point *points, size_t n,
                         const char *dir) {
  for (size_t k = 0; k < n; k++) {
    char report[PATH_MAX];
    snprintf(report, sizeof report, "%s/p%03zu.h5", dir, k);
    char **argv = sweep_point_argv(o, &points[k], report);
    if (!argv) return WPROF_EXIT_FAIL;
    sweep_print_argv(stdout, argv);
    printf(" > %s/p%03zu.log 2>&1\n", dir, k);
    sweep_free_argv(argv);
  }
  return WPROF_EXIT_OK;
}

/* Runs point k: its log starts with the command; the report is removed first so that a stale one
 * from an earlier sweep (--force) never counts as this point's. Returns 1 when it had a report. */
static int run_one(const struct sweep_opts *o, const struct sweep_point *p, const char *dir,
                   struct sweep_result *r) {
  char report[PATH_MAX], log[PATH_MAX];
  snprintf(report, sizeof report, "%s/p%03zu.h5", dir, p->id);
  snprintf(log, sizeof log, "%s/p%03zu.log", dir, p->id);
  *r = (struct sweep_result){SWEEP_FAILED, 127, 0, 0.0};
  char **argv = sweep_point_argv(o, p, report);
  int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
  if (!argv || fd < 0) {
    wprof_error("sweep: cannot start point %zu (%s): %s", p->id, log, strerror(errno));
    sweep_free_argv(argv);
    if (fd >= 0) close(fd);
    return 0;
  }
  unlink(report);
  FILE *f = fdopen(dup(fd), "w");
  if (f) {
    fputs("$ ", f);
    sweep_print_argv(f, argv);
    fputc('\n', f);
    fclose(f);
  }
  if (sweep_run_point(argv, fd, o->timeout_s, &interrupted, r) != 0)
    wprof_error("sweep: cannot run %s: %s", argv[0], strerror(errno));
  sweep_free_argv(argv);
  int have_report = access(report, F_OK) == 0;
  if (r->status == SWEEP_OK && !have_report) {
    r->status = SWEEP_FAILED;
    dprintf(fd, "wprof sweep: mpirun exited 0 but wrote no report %s\n", report);
  }
  close(fd);
  return have_report;
}

static int run_points(const struct sweep_opts *o, const struct sweep_point *points, size_t n,
                      const char *dir) {
  struct sweep_result *results = calloc(n, sizeof *results);
  if (!results) return WPROF_EXIT_FAIL;
  struct sigaction sa = {0}, old_int, old_term, old_hup;
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, &old_int);
  sigaction(SIGTERM, &sa, &old_term);
  sigaction(SIGHUP, &sa, &old_hup);
  size_t done = 0, ok = 0;
  double wall_sum = 0;
  int index_rc = 0;
  while (done < n && !interrupted) {
    int have_report = run_one(o, &points[done], dir, &results[done]);
    wall_sum += results[done].wall_s;
    ok += results[done].status == SWEEP_OK;
    done++;
    index_rc |= sweep_write_index(dir, o, points, results, done);
    print_progress(o, &points[done - 1], &results[done - 1], have_report, done, n, wall_sum);
  }
  sigaction(SIGINT, &old_int, NULL);
  sigaction(SIGTERM, &old_term, NULL);
  sigaction(SIGHUP, &old_hup, NULL);
  free(results);
  if (interrupted)
    fprintf(stderr, "wprof: sweep: interrupted (signal %d) after %zu of %zu points\n", interrupted,
            done, n);
  fprintf(stderr, "wprof: sweep: %zu of %zu points ok; index in %s/index.json\n", ok, n, dir);
  return ok == n && index_rc == 0 ? WPROF_EXIT_OK : WPROF_EXIT_FAIL;
}

/* Creates DIR; refuses one that holds the index of another sweep unless --force. */
static int prepare_dir(const struct sweep_opts *o, const char *dir) {
  if (make_dirs(dir) != 0) {
    wprof_error("sweep: cannot create the directory %s: %s", o->dir, strerror(errno));
    return WPROF_EXIT_USAGE;
  }
  char index[PATH_MAX];
  snprintf(index, sizeof index, "%s/index.json", dir);
  if (!o->force && access(index, F_OK) == 0) {
    wprof_error("sweep: %s already holds a sweep (index.json); use --force to run over it", o->dir);
    return WPROF_EXIT_USAGE;
  }
  return 0;
}

int wprof_cmd_sweep(int argc, char **argv) {
  struct sweep_opts o = {0};
  struct sweep_point *points = NULL;
  size_t n = 0;
  char *dir = NULL;
  int rc = parse_args(&o, argc, argv);
  if (rc == 0 && !o.mpirun) o.mpirun = "mpirun";
  if (rc == 0 && find_on_path(o.mpirun) != 0)
    rc = wprof_usage_error(wprof_sweep_usage, "cannot find %s (give --mpirun PATH)", o.mpirun);
  if (rc == 0 && !(points = make_points(&o, &n)))
    rc = wprof_usage_error(wprof_sweep_usage, "more than %d points", SWEEP_MAX_POINTS);
  if (rc == 0 && !(dir = absolute_dir(o.dir))) rc = WPROF_EXIT_FAIL;
  if (rc == 0 && o.dry_run) rc = print_dry_run(&o, points, n, dir);
  else if (rc == 0 && (rc = prepare_dir(&o, dir)) == 0) rc = run_points(&o, points, n, dir);
  free(dir);
  free_points(points);
  free_opts(&o);
  return rc;
}
