/* `wprof doctor`'s input: what its checks see of a report or a spill directory. */
#ifndef WPROF_DOCTOR_INPUT_H
#define WPROF_DOCTOR_INPUT_H

#include <stddef.h>

#include "wpio_h5.h"
#include "wpio_job.h"
#include "wprof_doctor_findings.h"

/* The input: a report's head (attributes, /meta, /ranks, /windows) or a spill directory's merged
 * spills, and which ranks have rows in each per-rank table (windows first). */
struct doc_input {
  const char *path;
  int spill_dir;             /* 1: a spill directory (no report attributes like schema_version) */
  struct wpio_job job;
  struct wpio_rank_presence tables[WPIO_H5_PRESENCE_TABLES];
  size_t ntables;
};

/* Readers. 0, or -1 with one line in err (the input cannot be read: exit 2). A spill directory's
 * unreadable spills and stale report are findings in d. */
int doc_read_report(const char *path, struct doc_input *in, char *err, size_t errlen);
int doc_read_spill_dir(struct doctor *d, const char *dir, struct doc_input *in, char *err, size_t errlen);
void doc_input_free(struct doc_input *in);

#endif
