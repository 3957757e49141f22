/* `wprof diff` internals: per-name samples of two reports matched by name, and the comparison of
 * one name's samples (kept apart so a significance test can be added without touching the rest). */
#ifndef WPROF_DIFF_H
#define WPROF_DIFF_H

#include <stddef.h>
#include <stdint.h>

#include "wpio_format.h"
#include "wpio_job.h"

/* What is compared: the sum over ranks, or (world sizes differ) the mean over the ranks that have
 * the name, so a weak-scaling pair of runs compares like with like. */
enum wprof_diff_metric { WPROF_DIFF_TOTAL = 0, WPROF_DIFF_RANK_MEAN = 1 };

/* One name in one report: its time on each rank that has it (ns; the table's main time: kernels and
 * lite and mpi total, ranges cpu total). n == 0: the name is not in this report. */
struct wprof_diff_side {
  const double *rank_ns;
  size_t n;
  uint64_t calls;
  uint64_t p50_ns, p99_ns;  /* lite only (cross-rank, from the merged histograms), else 0 */
};

enum wprof_diff_status { WPROF_DIFF_BOTH = 0, WPROF_DIFF_NEW = 1, WPROF_DIFF_VANISHED = 2 };

struct wprof_diff_change {
  enum wprof_diff_status status;
  double a_ns, b_ns;     /* the compared values; 0 on the side that lacks the name */
  double change_ns;      /* b - a */
  double change_pct;     /* 100 * (b - a) / a; NaN when a is 0 or the name is not in both */
};

/* Compares one name's samples in A and B. */
void wprof_diff_compare(const struct wprof_diff_side *a, const struct wprof_diff_side *b,
                        enum wprof_diff_metric metric, struct wprof_diff_change *out);

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

/* Matches the names of one table of A and B and compares each. 0, or -1 when out of memory. */
int wprof_diff_build(const struct wpio_job *a, const struct wpio_job *b, enum wpio_table table,
                     enum wprof_diff_metric metric, struct wprof_diff_table *out);
void wprof_diff_table_free(struct wprof_diff_table *t);

#endif
