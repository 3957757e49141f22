/* What `wprof plot` and `wprof compare` draw and tabulate: a rank x name matrix of one table's time,
 * chosen the same way everywhere (GPU time when the report has GPU data, else ranges CPU time, else
 * lite scopes). */
#ifndef WPROF_MATRIX_H
#define WPROF_MATRIX_H

#include <stddef.h>
#include <stdint.h>

#include "wpio_job.h"

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

#endif
