/* `wprof doctor`: what its checks see of a report or a spill directory, and how findings are said. */
#ifndef WPROF_DOCTOR_H
#define WPROF_DOCTOR_H

#include <stddef.h>
#include <stdint.h>

#include "wpio_h5.h"
#include "wpio_job.h"

enum doc_severity { DOC_INFO = 0, DOC_WARNING = 1, DOC_ERROR = 2 };

/* The input: a report's head (attributes, /meta, /ranks, /windows) or a spill directory's merged
 * spills, and which ranks have rows in each per-rank table (windows first). */
struct doc_input {
  const char *path;
  int spill_dir;             /* 1: a spill directory (no report attributes like schema_version) */
  struct wpio_job job;
  struct wpio_rank_presence tables[WPIO_H5_PRESENCE_TABLES];
  size_t ntables;
};

struct doctor;
/* Records one finding (printed in text mode at once, in JSON mode at the end). */
void doc_find(struct doctor *d, enum doc_severity sev, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* "3,5-7,9" of a sorted list of ranks, at most a few dozen spans, then "... (N in all)". */
void doc_rank_list(const int32_t *ranks, size_t n, char *buf, size_t len);

/* Readers. 0, or -1 with one line in err (the input cannot be read: exit 2). */
int doc_read_report(const char *path, struct doc_input *in, char *err, size_t errlen);
int doc_read_spill_dir(struct doctor *d, const char *dir, struct doc_input *in, char *err, size_t errlen);
void doc_input_free(struct doc_input *in);

/* Runs every check on the input. */
void doc_check_all(struct doctor *d, const struct doc_input *in);

#endif
