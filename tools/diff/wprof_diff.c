/* `wprof diff A.h5 B.h5` (or `A.h5 A2.h5 ... --vs B.h5 B2.h5 ...`, several runs of one configuration
 * pooled per side): per-name change of time, table by table, with new and vanished names and Welch's
 * t-test of each change; `--fail-above PCT` makes it a CI gate (exit 1 when a name got significantly
 * slower by more). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "wprof_cli.h"
#include "wprof_diff_data.h"
#include "wprof_diff_json.h"
#include "wprof_diff_out.h"
#include "wprof_diff_show.h"

const char wprof_diff_usage[] =
    "wprof diff A.h5 B.h5 | A.h5 [A2.h5 ...] --vs B.h5 [B2.h5 ...] [--by kernels|ranges|lite|mpi[,...]] "
    "[--fail-above PCT] [--alpha P] [--top N] [--format table|csv|json] [--metric auto|total|rank-mean] "
    "[--mangled]";

#define MAX_REPORTS 256

enum metric_choice { METRIC_AUTO, METRIC_TOTAL, METRIC_MEAN };

struct diff_args {
  const char *paths[MAX_REPORTS];
  size_t npaths, na;      /* na: the reports of side A (paths[0 .. na)), the rest are B's */
  int tables;             /* bit per enum wpio_table */
  enum metric_choice metric;
  struct wprof_diff_out out;
};

static int set_tables(struct diff_args *a, const char *v) {
  char buf[128];
  if (strlen(v) >= sizeof buf) return -1;
  strcpy(buf, v);
  for (char *save = NULL, *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
    int t = 0;
    while (t < WPIO_TABLE_COUNT && strcmp(tok, wpio_table_name((enum wpio_table)t)) != 0) t++;
    if (t == WPIO_TABLE_COUNT) return -1;
    a->tables |= 1 << t;
  }
  return a->tables ? 0 : -1;
}

static int parse_alpha(const char *v, double *out) {
  char *end = NULL;
  double d = strtod(v, &end);
  if (!*v || !end || *end || !(d > 0) || !(d < 1)) return -1;
  *out = d;
  return 0;
}

static int parse_pct(const char *v, double *out) {
  char *end = NULL;
  double d = strtod(v, &end);
  if (!*v || !end || *end || !isfinite(d) || d < 0) return -1;
  *out = d;
  return 0;
}

static int set_format(struct wprof_diff_out *o, const char *v) {
  if (strcmp(v, "table") == 0) o->format = WPROF_DIFF_TABLE;
  else if (strcmp(v, "csv") == 0) o->format = WPROF_DIFF_CSV;
  else if (strcmp(v, "json") == 0) o->format = WPROF_DIFF_JSON;
  else return -1;
  return 0;
}

static int set_metric(struct diff_args *a, const char *v) {
  if (strcmp(v, "auto") == 0) a->metric = METRIC_AUTO;
  else if (strcmp(v, "total") == 0) a->metric = METRIC_TOTAL;
  else if (strcmp(v, "rank-mean") == 0) a->metric = METRIC_MEAN;
  else return -1;
  return 0;
}

/* One option with its value; 0, or the usage exit status after saying what is wrong. */
static int parse_option(struct diff_args *a, const char *name, const char *v) {
  long n;
  if (!v) return wprof_usage_error(wprof_diff_usage, "%s needs a value", name);
  if (strcmp(name, "--by") == 0) {
    if (set_tables(a, v) < 0)
      return wprof_usage_error(wprof_diff_usage, "--by %s: use kernels, ranges, lite or mpi (comma separated)", v);
  } else if (strcmp(name, "--fail-above") == 0) {
    if (parse_pct(v, &a->out.fail_above_pct) < 0)
      return wprof_usage_error(wprof_diff_usage, "--fail-above %s is not a percentage (e.g. 10 or 2.5)", v);
  } else if (strcmp(name, "--alpha") == 0) {
    if (parse_alpha(v, &a->out.alpha) < 0)
      return wprof_usage_error(wprof_diff_usage, "--alpha %s is not a significance level in (0, 1) (e.g. 0.01)", v);
  } else if (strcmp(name, "--top") == 0) {
    if (wprof_parse_long(v, 0, INT32_MAX, &n) < 0)
      return wprof_usage_error(wprof_diff_usage, "--top %s is not a row count (0 = all)", v);
    a->out.top = (size_t)n;
  } else if (strcmp(name, "--format") == 0) {
    if (set_format(&a->out, v) < 0)
      return wprof_usage_error(wprof_diff_usage, "--format %s: use table, csv or json", v);
  } else if (set_metric(a, v) < 0) {
    return wprof_usage_error(wprof_diff_usage, "--metric %s: use auto, total or rank-mean", v);
  }
  return 0;
}

static int parse_args(int argc, char **argv, struct diff_args *a) {
  static const char *const opts[] = { "--by", "--fail-above", "--alpha", "--top", "--format", "--metric" };
  int vs = 0;
  memset(a, 0, sizeof(*a));
  a->out.fail_above_pct = NAN;
  a->out.alpha = WPROF_DIFF_ALPHA;
  a->out.display_name = wprof_display_name;
  for (int i = 1; i < argc; i++) {
    const char *arg = argv[i];
    if (strcmp(arg, "--mangled") == 0) {
      a->out.display_name = NULL;
      continue;
    }
    if (strcmp(arg, "--vs") == 0) {
      if (vs) return wprof_usage_error(wprof_diff_usage, "--vs given twice");
      vs = 1;
      a->na = a->npaths;
      continue;
    }
    if (arg[0] != '-' || arg[1] == '\0') {
      if (a->npaths == MAX_REPORTS) return wprof_usage_error(wprof_diff_usage, "%d reports at most", MAX_REPORTS);
      a->paths[a->npaths++] = arg;
      continue;
    }
    size_t len = 0;
    int k = wprof_option_index(arg, opts, sizeof(opts) / sizeof(opts[0]), &len);
    if (k < 0) return wprof_usage_error(wprof_diff_usage, "unknown option '%s'", arg);
    int rc = parse_option(a, opts[k], wprof_option_value(argc, argv, &i, arg, len));
    if (rc) return rc;
  }
  if (!vs && a->npaths != 2)
    return wprof_usage_error(wprof_diff_usage, a->npaths < 2 ? "two reports are needed (A.h5 B.h5)"
                                                             : "two reports only, or --vs between the sides");
  if (!vs) a->na = 1;
  if (vs && (a->na == 0 || a->na == a->npaths))
    return wprof_usage_error(wprof_diff_usage, "--vs needs reports on both sides (A.h5 ... --vs B.h5 ...)");
  if (!a->tables) a->tables = (1 << WPIO_TABLE_COUNT) - 1;
  return 0;
}

/* The world size of a report: its attribute, else its /ranks rows. */
static long world_size(const struct wpio_job *job) {
  const struct wpio_attr *at = wpio_job_attr(job, "world_size");
  if (at && at->is_int && at->ival > 0) return (long)at->ival;
  return (long)job->ranks.n;
}

/* The world size of a side's reports, or -1 when they differ. */
static long side_world(const struct wpio_job *jobs, size_t n) {
  long w = world_size(&jobs[0]);
  for (size_t i = 1; i < n; i++)
    if (world_size(&jobs[i]) != w) return -1;
  return w;
}

static enum wprof_diff_metric pick_metric(const struct diff_args *a, long world_a, long world_b) {
  if (a->metric == METRIC_TOTAL) return WPROF_DIFF_TOTAL;
  if (a->metric == METRIC_MEAN) return WPROF_DIFF_RANK_MEAN;
  return world_a == world_b && world_a >= 0 ? WPROF_DIFF_TOTAL : WPROF_DIFF_RANK_MEAN;
}

/* Runs in the reading child, with both reports in memory. */
static int run_diff(const struct wpio_job *jobs, const char *const *paths, size_t n, void *ctx) {
  struct diff_args *a = ctx;
  struct wprof_diff_out *o = &a->out;
  struct wprof_diff_table tables[WPIO_TABLE_COUNT];
  struct wprof_diff_reports side_a = { jobs, a->na }, side_b = { jobs + a->na, n - a->na };
  size_t ntables = 0;
  int rc = WPROF_EXIT_OK;
  o->paths[0] = paths;
  o->paths[1] = paths + a->na;
  o->reports[0] = side_a.n;
  o->reports[1] = side_b.n;
  o->world[0] = side_world(side_a.jobs, side_a.n);
  o->world[1] = side_world(side_b.jobs, side_b.n);
  o->metric = pick_metric(a, o->world[0], o->world[1]);
  for (int t = 0; t < WPIO_TABLE_COUNT && rc == WPROF_EXIT_OK; t++) {
    if (!(a->tables & (1 << t))) continue;
    if (wprof_diff_build(side_a, side_b, (enum wpio_table)t, o->metric, o->alpha, &tables[ntables]) < 0) {
      wprof_error("diff: out of memory");
      rc = WPROF_EXIT_FAIL;
    } else {
      ntables++;
    }
  }
  if (rc == WPROF_EXIT_OK && (o->format == WPROF_DIFF_JSON ? wprof_diff_json(stdout, tables, ntables, o)
                                                            : wprof_diff_print(stdout, tables, ntables, o)) < 0)
    rc = WPROF_EXIT_FAIL;
  if (rc == WPROF_EXIT_OK && wprof_diff_regressions(tables, ntables, o) > 0) rc = WPROF_EXIT_FAIL;
  for (size_t i = 0; i < ntables; i++) wprof_diff_table_free(&tables[i]);
  return rc;
}

int wprof_cmd_diff(int argc, char **argv) {
  struct diff_args a;
  int rc = parse_args(argc, argv, &a);
  if (rc) return rc;
  return wprof_with_reports(a.paths, a.npaths, run_diff, &a);
}
