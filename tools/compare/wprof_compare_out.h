/* `wprof compare`'s runs (one app at several rank counts), grouped, each read into its matrix; the
 * scaling point of a name per run; the table, CSV and JSON outputs. */
#ifndef WPROF_COMPARE_OUT_H
#define WPROF_COMPARE_OUT_H

#include <stddef.h>
#include <stdio.h>

#include "wprof_cli.h"
#include "wprof_matrix.h"

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

#endif
