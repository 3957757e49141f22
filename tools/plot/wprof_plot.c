/* `wprof plot FILE -o OUT.svg|png`: a rank x name heatmap, per-name imbalance bars or a compact
 * timeline of one report, drawn once through the drawing layer (SVG or PNG by the extension). */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "wprof_plot.h"

const char wprof_plot_usage[] =
    "wprof plot FILE -o OUT.svg|OUT.png [--kind heatmap|imbalance|timeline] "
    "[--table auto|kernels|ranges|lite|mpi] [--top N]";

enum plot_kind { KIND_HEATMAP, KIND_IMBALANCE, KIND_TIMELINE };

struct plot_args {
  const char *path, *out;
  enum plot_kind kind;
  int table;
  size_t top;
};

static int ends_with(const char *s, const char *ext) {
  size_t n = strlen(s), e = strlen(ext);
  return n > e && strcasecmp(s + n - e, ext) == 0;
}

static int parse_option(struct plot_args *a, const char *name, const char *v) {
  long n;
  if (!v) return wprof_usage_error(wprof_plot_usage, "%s needs a value", name);
  if (strcmp(name, "-o") == 0 || strcmp(name, "--output") == 0) {
    if (!ends_with(v, ".svg") && !ends_with(v, ".png"))
      return wprof_usage_error(wprof_plot_usage, "-o %s: the output must end in .svg or .png", v);
    a->out = v;
  } else if (strcmp(name, "--kind") == 0) {
    if (strcmp(v, "heatmap") == 0) a->kind = KIND_HEATMAP;
    else if (strcmp(v, "imbalance") == 0) a->kind = KIND_IMBALANCE;
    else if (strcmp(v, "timeline") == 0) a->kind = KIND_TIMELINE;
    else return wprof_usage_error(wprof_plot_usage, "--kind %s: use heatmap, imbalance or timeline", v);
  } else if (strcmp(name, "--table") == 0) {
    a->table = wprof_table_parse(v);
    if (a->table == -2)
      return wprof_usage_error(wprof_plot_usage, "--table %s: use auto, kernels, ranges, lite or mpi", v);
  } else {
    if (wprof_parse_long(v, 1, 100000, &n) < 0)
      return wprof_usage_error(wprof_plot_usage, "--top %s is not a name count from 1", v);
    a->top = (size_t)n;
  }
  return 0;
}

static int parse_args(int argc, char **argv, struct plot_args *a) {
  static const char *const opts[] = { "--output", "-o", "--kind", "--table", "--top" };
  memset(a, 0, sizeof *a);
  a->table = WPROF_TABLE_AUTO;
  a->top = 30;
  for (int i = 1; i < argc; i++) {
    const char *arg = argv[i];
    if (arg[0] != '-' || arg[1] == '\0') {
      if (a->path) return wprof_usage_error(wprof_plot_usage, "one report at a time ('%s')", arg);
      a->path = arg;
      continue;
    }
    size_t len = 0;
    int k = wprof_option_index(arg, opts, sizeof(opts) / sizeof(opts[0]), &len);
    if (k < 0) return wprof_usage_error(wprof_plot_usage, "unknown option '%s'", arg);
    int rc = parse_option(a, opts[k], wprof_option_value(argc, argv, &i, arg, len));
    if (rc) return rc;
  }
  if (!a->path) return wprof_usage_error(wprof_plot_usage, "no report file given");
  if (!a->out) return wprof_usage_error(wprof_plot_usage, "no output given (-o OUT.svg or OUT.png)");
  return 0;
}

static int draw(const struct wpio_job *job, const struct plot_args *a, const struct wprof_matrix *m) {
  struct wprof_draw d;
  if (wprof_draw_open(&d, a->out) < 0) {
    wprof_error("%s", d.err);
    return WPROF_EXIT_FAIL;
  }
  int rc = a->kind == KIND_HEATMAP     ? wprof_plot_heatmap(&d, m, a->path)
           : a->kind == KIND_IMBALANCE ? wprof_plot_imbalance(&d, m, a->path)
                                       : wprof_plot_timeline(&d, job, a->path);
  if (wprof_draw_finish(&d) < 0 || rc < 0) {
    wprof_error("%s", d.err[0] ? d.err : "cannot draw the plot");
    return WPROF_EXIT_FAIL;
  }
  return WPROF_EXIT_OK;
}

/* Runs in the reading child, with the report in memory. */
static int plot_report(const struct wpio_job *jobs, const char *const *paths, size_t n, void *ctx) {
  (void)paths;
  (void)n;
  const struct plot_args *a = ctx;
  struct wprof_matrix m = { 0 };
  char err[256];
  if (a->kind == KIND_TIMELINE) {
    if (jobs[0].timeline.n == 0 && jobs[0].windows.n == 0) {
      wprof_error("%s has neither /timeline events nor windows to plot", a->path);
      return WPROF_EXIT_USAGE;
    }
  } else if (wprof_matrix_build(&jobs[0], a->table, -1, a->top, &m, err, sizeof err) < 0) {
    wprof_error("%s: %s", a->path, err);
    return WPROF_EXIT_USAGE;
  }
  int rc = draw(&jobs[0], a, &m);
  wprof_matrix_free(&m);
  return rc;
}

int wprof_cmd_plot(int argc, char **argv) {
  struct plot_args a;
  int rc = parse_args(argc, argv, &a);
  if (rc) return rc;
  const char *paths[1] = { a.path };
  return wprof_with_reports(paths, 1, plot_report, &a);
}
