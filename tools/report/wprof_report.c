/* `wprof report FILE`: the seed-like tables of a report (cross-rank summary, or one rank and window)
 * as a text table, CSV or JSON. */
#include <stdio.h>
#include <string.h>

#include "wprof_cli.h"
#include "wprof_report_json.h"

const char wprof_report_usage[] =
    "wprof report FILE [--rank N] [--window W] [--sort KEY] [--top K] "
    "[--table ranges|kernels|lite|mpi] [--format table|csv|json] [--mangled] [--memory] [--stacks] "
    "[--by-config] [--stragglers] [--breakdown]";

enum out_kind { OUT_TABLE, OUT_CSV, OUT_JSON };

struct report_args {
  const char *path;
  struct wpio_format_opts fmt;
  enum out_kind out;
  int tables; /* bit per enum wpio_table */
  int extras; /* EXTRA_* views; alone (no --table) they replace the four tables */
  int table_given;
};

enum { EXTRA_MEMORY = 1, EXTRA_STACKS = 2, EXTRA_BY_CONFIG = 4, EXTRA_STRAGGLERS = 8, EXTRA_BREAKDOWN = 16 };

static int set_table(struct report_args *a, const char *v) {
  for (int t = 0; t < WPIO_TABLE_COUNT; t++)
    if (strcmp(v, wpio_table_name((enum wpio_table)t)) == 0) {
      a->tables = (a->tables == (1 << WPIO_TABLE_COUNT) - 1 ? 0 : a->tables) | (1 << t);
      return 0;
    }
  return -1;
}

static int set_format(struct report_args *a, const char *v) {
  if (strcmp(v, "table") == 0) a->out = OUT_TABLE;
  else if (strcmp(v, "csv") == 0) a->out = OUT_CSV;
  else if (strcmp(v, "json") == 0) a->out = OUT_JSON;
  else return -1;
  a->fmt.format = a->out == OUT_CSV ? WPIO_OUT_CSV : WPIO_OUT_TABLE;
  return 0;
}

/* One option with its value; 0, or the usage exit status after saying what is wrong. */
static int parse_option(struct report_args *a, const char *name, const char *v) {
  long n;
  if (!v) return wprof_usage_error(wprof_report_usage, "%s needs a value", name);
  if (strcmp(name, "--rank") == 0) {
    if (wprof_parse_long(v, 0, INT32_MAX, &n) < 0)
      return wprof_usage_error(wprof_report_usage, "--rank %s is not a rank number", v);
    a->fmt.rank = (int)n;
  } else if (strcmp(name, "--window") == 0) {
    if (wprof_parse_long(v, 0, INT32_MAX, &n) < 0)
      return wprof_usage_error(wprof_report_usage, "--window %s is not a window number", v);
    a->fmt.window = (int)n;
  } else if (strcmp(name, "--top") == 0) {
    if (wprof_parse_long(v, 0, INT32_MAX, &n) < 0)
      return wprof_usage_error(wprof_report_usage, "--top %s is not a row count (0 = all)", v);
    a->fmt.top = (size_t)n;
  } else if (strcmp(name, "--sort") == 0) {
    if ((a->fmt.sort = wpio_sort_parse(v)) < 0)
      return wprof_usage_error(wprof_report_usage, "--sort %s: the keys are %s", v, wpio_sort_keys());
  } else if (strcmp(name, "--format") == 0) {
    if (set_format(a, v) < 0)
      return wprof_usage_error(wprof_report_usage, "--format %s: use table, csv or json", v);
  } else {
    a->table_given = 1;
    if (set_table(a, v) < 0)
      return wprof_usage_error(wprof_report_usage, "--table %s: use ranges, kernels, lite or mpi", v);
  }
  return 0;
}

static int parse_args(int argc, char **argv, struct report_args *a) {
  static const char *const opts[] = { "--rank", "--window", "--sort", "--top", "--format", "--table" };
  memset(a, 0, sizeof(*a));
  wpio_format_opts_init(&a->fmt);
  a->fmt.display_name = wprof_display_name; /* C++ kernel names demangled unless --mangled */
  a->tables = (1 << WPIO_TABLE_COUNT) - 1;
  for (int i = 1; i < argc; i++) {
    const char *arg = argv[i];
    if (strcmp(arg, "--mangled") == 0) {
      a->fmt.display_name = NULL;
      continue;
    }
    int extra = !strcmp(arg, "--memory") ? EXTRA_MEMORY : !strcmp(arg, "--stacks") ? EXTRA_STACKS
              : !strcmp(arg, "--by-config") ? EXTRA_BY_CONFIG
              : !strcmp(arg, "--stragglers") ? EXTRA_STRAGGLERS
              : !strcmp(arg, "--breakdown") ? EXTRA_BREAKDOWN : 0;
    if (extra) {
      a->extras |= extra;
      continue;
    }
    if (arg[0] != '-' || arg[1] == '\0') {
      if (a->path) return wprof_usage_error(wprof_report_usage, "one report at a time ('%s')", arg);
      a->path = arg;
      continue;
    }
    size_t len = 0;
    int k = wprof_option_index(arg, opts, sizeof(opts) / sizeof(opts[0]), &len);
    if (k < 0) return wprof_usage_error(wprof_report_usage, "unknown option '%s'", arg);
    int rc = parse_option(a, opts[k], wprof_option_value(argc, argv, &i, arg, len));
    if (rc) return rc;
  }
  if (!a->path) return wprof_usage_error(wprof_report_usage, "no report file given");
  if (a->extras && a->out == OUT_JSON)
    return wprof_usage_error(wprof_report_usage, "--memory, --stacks, --by-config, --stragglers and --breakdown print as table or csv");
  if (a->extras && !a->table_given) a->tables = 0;
  return 0;
}

/* --rank and --window must name something in the report, or the tables would be silently empty. */
static int check_scope(const struct wpio_job *job, const char *path, const struct wpio_format_opts *o) {
  int rank_ok = o->rank < 0, window_ok = o->window < 0;
  for (size_t i = 0; i < job->ranks.n && !rank_ok; i++) rank_ok = job->ranks.v[i].rank == o->rank;
  for (size_t i = 0; i < job->windows.n && !window_ok; i++)
    window_ok = job->windows.v[i].window == o->window &&
                (o->rank < 0 || job->windows.v[i].rank == o->rank);
  if (!rank_ok) {
    wprof_error("%s has no rank %d (it has %zu rank rows)", path, o->rank, job->ranks.n);
    return -1;
  }
  if (!window_ok) {
    if (o->rank >= 0) wprof_error("%s: rank %d has no window %d", path, o->rank, o->window);
    else wprof_error("%s has no window %d", path, o->window);
    return -1;
  }
  return 0;
}

/* Issue 10's views, after the tables. */
static int print_extras(const struct wpio_job *job, const struct report_args *a) {
  int rc = 0;
  if (a->extras & EXTRA_BY_CONFIG) rc = wpio_format_kernel_configs(stdout, job, &a->fmt);
  if (rc == 0 && (a->extras & EXTRA_MEMORY)) rc = wpio_format_memory(stdout, job, &a->fmt);
  if (rc == 0 && (a->extras & EXTRA_STACKS)) rc = wpio_format_stacks(stdout, job, &a->fmt);
  if (rc == 0 && (a->extras & EXTRA_STRAGGLERS)) rc = wpio_format_stragglers(stdout, job, &a->fmt);
  if (rc == 0 && (a->extras & EXTRA_BREAKDOWN)) rc = wpio_format_breakdown(stdout, job, &a->fmt);
  if (rc == 0 && (a->extras & ~(EXTRA_STRAGGLERS | EXTRA_BREAKDOWN)) && a->out != OUT_CSV && !a->tables)
    rc = wpio_format_graph_share(stdout, job, &a->fmt);
  return rc < 0 ? WPROF_EXIT_FAIL : WPROF_EXIT_OK;
}

/* One short line of the run metadata (/meta) under the header: the user's keys, then the host count
 * and git commit; nothing for reports without /meta. */
static void print_meta(const struct wpio_job *job, const char *prefix) {
  static const char *const found[] = {"world_size", "hosts", "host_count", "mpi_library", "gpu", "cuda_driver",
                                      "command", "wprof_settings", "git_commit"};
  const size_t plen = strlen(WPIO_META_PREFIX);
  char line[400] = "";
  size_t used = 0;
  for (size_t i = 0; i < job->attrs.n && used + 40 < sizeof line; i++) {
    const struct wpio_attr *at = &job->attrs.v[i];
    if (strncmp(at->key, WPIO_META_PREFIX, plen) != 0) continue;
    int auto_key = 0;
    for (size_t k = 0; k < sizeof found / sizeof found[0]; k++) auto_key |= strcmp(at->key + plen, found[k]) == 0;
    if (!auto_key)
      used += (size_t)snprintf(line + used, sizeof line - used, "%s%s=%.60s", used ? ", " : "", at->key + plen, at->value);
  }
  const struct wpio_attr *hosts = wpio_job_attr(job, WPIO_META_PREFIX "host_count");
  const struct wpio_attr *git = wpio_job_attr(job, WPIO_META_PREFIX "git_commit");
  if (hosts && used + 40 < sizeof line)
    used += (size_t)snprintf(line + used, sizeof line - used, "%shosts=%s", used ? ", " : "", hosts->value);
  if (git && used + 40 < sizeof line)
    used += (size_t)snprintf(line + used, sizeof line - used, "%sgit=%.12s", used ? ", " : "", git->value);
  if (used) printf("%sMeta: %s\n", prefix, line);
}

static int print_text(const struct wpio_job *job, const struct report_args *a) {
  char err[256];
  int csv = a->out == OUT_CSV;
  if (wpio_format_header(stdout, job, a->path, csv ? "# " : "") < 0) return WPROF_EXIT_FAIL;
  print_meta(job, csv ? "# " : "");
  if (!csv) fputc('\n', stdout);
  for (int t = 0; t < WPIO_TABLE_COUNT; t++) {
    if (!(a->tables & (1 << t))) continue;
    struct wpio_view v;
    if (wpio_view_build(job, (enum wpio_table)t, &a->fmt, &v, err, sizeof err) < 0) {
      wprof_error("%s", err);
      return WPROF_EXIT_FAIL;
    }
    int rc = wpio_format_view(stdout, &v, &a->fmt);
    wpio_view_free(&v);
    if (rc == 0 && t == WPIO_TABLE_KERNELS && !csv) rc = wpio_format_graph_share(stdout, job, &a->fmt);
    if (rc < 0) return WPROF_EXIT_FAIL;
  }
  return print_extras(job, a);
}

/* Runs in the reading child, with the report in memory. */
static int print_report(const struct wpio_job *jobs, const char *const *paths, size_t n, void *ctx) {
  (void)paths;
  (void)n;
  const struct report_args *a = ctx;
  if (check_scope(&jobs[0], a->path, &a->fmt) < 0) return WPROF_EXIT_USAGE;
  if (a->out == OUT_JSON) return wprof_report_json(stdout, &jobs[0], a->path, &a->fmt, a->tables);
  return print_text(&jobs[0], a);
}

int wprof_cmd_report(int argc, char **argv) {
  struct report_args a;
  int rc = parse_args(argc, argv, &a);
  if (rc) return rc;
  const char *paths[1] = { a.path };
  return wprof_with_reports(paths, 1, print_report, &a);
}
