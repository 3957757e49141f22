/* What the plots and `wprof compare` draw: a rank x name matrix of one table's time, chosen the same
 * way everywhere (GPU time when the report has GPU data, else ranges CPU time, else lite scopes). */
#ifndef WPROF_PLOT_H
#define WPROF_PLOT_H

#include <stddef.h>
#include <stdint.h>

#include "wprof_cli.h"
#include "wprof_draw.h"

#define WPROF_TABLE_AUTO (-1)

struct wprof_matrix {
  int table;           /* enum wpio_table */
  const char *metric;  /* "self CUDA time", "CPU time", ... */
  int fallback;        /* 1: the report has no GPU data, so this is not GPU time */
  int ranges_cuda;     /* ranges: 1 self CUDA time, 0 CPU time */
  size_t nranks;
  int32_t *ranks;      /* ascending */
  const char **rank_status; /* NULL entry: the rank is ok */
  size_t nnames;       /* the top names, by total over ranks, descending */
  const char **names;  /* display names (demangled kernels) */
  const char **raw;    /* the names as stored */
  double *total;       /* per name: sum over ranks */
  double *max;         /* per name: the largest rank's time */
  int32_t *slowest;    /* per name: the rank of that time */
  double *v;           /* v[r * nnames + c], NAN when the name is absent on the rank */
  double vmax;         /* the largest cell */
};

/* Builds the matrix of `table` (or WPROF_TABLE_AUTO) limited to `top` names (0 = all); ranges_cuda
 * picks the ranges' time (-1: self CUDA when any range has some, else CPU). 0, or -1 with a reason
 * in err (no data, out of memory). */
int wprof_matrix_build(const struct wpio_job *job, int table, int ranges_cuda, size_t top,
                       struct wprof_matrix *m, char *err, size_t errlen);
void wprof_matrix_free(struct wprof_matrix *m);
/* "kernels self CUDA time" etc, plus the fallback note, for titles. */
void wprof_matrix_label(const struct wprof_matrix *m, char *buf, size_t len);
/* Parses --table; WPROF_TABLE_AUTO for "auto", -2 when unknown. */
int wprof_table_parse(const char *s);

/* The plot kinds, each drawn through the drawing layer. 0, or -1 (a reason in d->err). */
int wprof_plot_heatmap(struct wprof_draw *d, const struct wprof_matrix *m, const char *source);
int wprof_plot_imbalance(struct wprof_draw *d, const struct wprof_matrix *m, const char *source);
int wprof_plot_timeline(struct wprof_draw *d, const struct wpio_job *job, const char *source);

/* Shared layout pieces. */
#define WPROF_FONT 11.0
/* "1.234ms" (wpio_format_time) into buf. */
const char *wprof_fmt_time(char *buf, size_t len, double ns);
/* Axis ticks: a round step (1, 2 or 5 x 10^k) giving about n intervals over span; the compact
 * form of a tick's time ("5ms", "2.5us"). */
double wprof_nice_step(double span, int n);
const char *wprof_fmt_tick(char *buf, size_t len, double ns);
/* A title line at the top of the image. */
void wprof_plot_title(struct wprof_draw *d, double x, const char *title, const char *subtitle);
/* Every k-th label so that labels `step` px apart at font `size` never overlap (k = 1, 2, 5, 10...). */
size_t wprof_label_stride(double step, double size);

#endif

/* ---- `wprof compare`: runs of one app at several rank counts ---- */

struct wprof_setting { char *key, *value; };

struct wprof_run {
  char *report;                  /* the report's path */
  long id;                       /* the sweep point, or the argument's position */
  struct wprof_setting *settings; /* from the sweep index */
  size_t nsettings;
  long np, nodes;                /* world_size; distinct hostnames in /ranks */
  struct wprof_matrix m;
  size_t group;
};

struct wprof_skip { long id; char *report; char *why; };

struct wprof_group {
  char *label;                   /* "backend=host, max_iters=3", or "" */
  const char **values;           /* per --group-by key: its value in this group ("-": none) */
  size_t *runs;                  /* indices into runs, by np */
  size_t n;
  const char **names;            /* raw names, the top ones of the group */
  size_t nnames;
};

struct wprof_compare {
  int table;                     /* the table every run is read from */
  const char *metric;
  int fallback;
  size_t top;
  struct wprof_run *runs;
  size_t nruns;
  struct wprof_skip *skips;
  size_t nskips;
  char **keys;                   /* --group-by */
  size_t nkeys;
  struct wprof_group *groups;
  size_t ngroups;
};

/* One scaling point of a name: the run's time (mean per rank = total / np; the largest rank),
 * against the group's first run (smallest np). */
struct wprof_point {
  int present;                   /* 0: the name is not in this run */
  double mean_ns, max_ns, imbalance;
  double speedup, efficiency;    /* NAN when the first run lacks the name */
};
void wprof_compare_point(const struct wprof_compare *c, const struct wprof_group *g, size_t name,
                         size_t k, struct wprof_point *p);
const char *wprof_run_setting(const struct wprof_run *r, const char *key);

/* Reads the jobs into runs and groups them (in the reading child). 0, or -1 with err. */
int wprof_compare_build(struct wprof_compare *c, const struct wpio_job *jobs, char *err, size_t len);
int wprof_compare_print_table(FILE *out, const struct wprof_compare *c);
int wprof_compare_print_csv(FILE *out, const struct wprof_compare *c);
int wprof_compare_print_json(FILE *out, const struct wprof_compare *c);
int wprof_plot_scaling(struct wprof_draw *d, const struct wprof_compare *c);
