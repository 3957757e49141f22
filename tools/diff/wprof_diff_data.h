/* `wprof diff` internals: per-name samples of two sides (one report each, or several reports of one
 * configuration pooled) matched by name, and the comparison of one name's samples: the change and
 * Welch's t-test of it. */
#ifndef WPROF_DIFF_DATA_H
#define WPROF_DIFF_DATA_H

#include <stddef.h>
#include <stdint.h>

#include "wpio_format.h"
#include "wpio_job.h"
#include "wprof_stats.h"

/* What is compared: the sum over ranks, or (world sizes differ) the mean over the ranks that have
 * the name, so a weak-scaling pair of runs compares like with like. */
enum wprof_diff_metric { WPROF_DIFF_TOTAL = 0, WPROF_DIFF_RANK_MEAN = 1 };

/* The noise of one name's total time on one side. The samples are per-call times (kernels, lite,
 * mpi: n = calls) or one value per rank and window (ranges: n = rows); their sum is the total. They
 * are grouped by rank (the same rank of every pooled report in one group), so steady imbalance
 * between ranks is not taken for noise: var_sum = sum over ranks of n_r s_r^2, with Satterthwaite's
 * df. When some rank has fewer than 2 samples, all samples form one group: var_sum = n s^2, df n - 1. */
struct wprof_diff_noise {
  double var_sum;  /* variance of the total */
  double df;       /* its degrees of freedom; < 1 when not testable */
};

/* One name on one side: its time on each rank that has it (ns; the table's main time: kernels and
 * lite and mpi total, ranges cpu total), one value per report and rank. n == 0: the name is not on
 * this side. */
struct wprof_diff_side {
  const double *rank_ns;
  size_t n;
  uint64_t calls;           /* over every report of the side */
  uint64_t p50_ns, p99_ns;  /* lite only (cross-rank, from the first report's merged histograms), else 0 */
  size_t reports;           /* reports pooled on this side */
  struct wprof_diff_noise noise;
};

enum wprof_diff_status { WPROF_DIFF_BOTH = 0, WPROF_DIFF_NEW = 1, WPROF_DIFF_VANISHED = 2 };

/* Whether a change stands out of the noise: tested and p < alpha, tested and p >= alpha, or not
 * testable (fewer than 2 samples on a side, or the name on one side only). */
enum wprof_diff_sig { WPROF_DIFF_SIG_NO = 0, WPROF_DIFF_SIG_YES = 1, WPROF_DIFF_SIG_NA = 2 };

struct wprof_diff_change {
  enum wprof_diff_status status;
  double a_ns, b_ns;     /* the compared values; 0 on the side that lacks the name */
  double change_ns;      /* b - a */
  double change_pct;     /* 100 * (b - a) / a; NaN when a is 0 or the name is not in both */
  double p_value;        /* Welch's two-sided p; NaN when not testable */
  double t, df;          /* the test's statistic and degrees of freedom (NaN when not testable) */
  enum wprof_diff_sig sig;
};

/* Compares one name's samples in A and B: the change of the compared value (total per report, or
 * mean per rank) and Welch's t-test of it at level alpha. */
void wprof_diff_compare(const struct wprof_diff_side *a, const struct wprof_diff_side *b,
                        enum wprof_diff_metric metric, double alpha, struct wprof_diff_change *out);

/* One row of a diff table: a name (and kind, for kernels) with both sides and the change. */
struct wprof_diff_row {
  const char *name;      /* raw, as in the report */
  int32_t kind;          /* kernels: enum wpio_kind, else -1 */
  struct wprof_diff_side a, b;
  struct wprof_diff_change ch;
};

struct wprof_diff_table {
  enum wpio_table table;
  struct wprof_diff_row *rows;  /* sorted by |change|, largest first */
  size_t n;
  double *samples;              /* private: storage of every side's rank_ns */
};

/* The reports of one side: one, or several runs of one configuration whose samples are pooled. */
struct wprof_diff_reports {
  const struct wpio_job *jobs;
  size_t n;
};

/* Matches the names of one table of A and B and compares each. 0, or -1 when out of memory. */
int wprof_diff_build(struct wprof_diff_reports a, struct wprof_diff_reports b, enum wpio_table table,
                     enum wprof_diff_metric metric, double alpha, struct wprof_diff_table *out);
void wprof_diff_table_free(struct wprof_diff_table *t);

#endif
