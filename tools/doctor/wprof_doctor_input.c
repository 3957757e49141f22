/* `wprof doctor`'s inputs. A report is read cheaply through io's reader: its head (attributes, /meta,
 * /names, /ranks, /windows) and, for each per-rank table, which ranks have rows (wpio_h5_read_presence:
 * the rank_spans attribute the writer leaves, the rank column only when that is absent). A spill
 * directory is read like `wprof recover` reads it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "wpio_h5.h"
#include "wpio_spill.h"
#include "wprof_doctor_input.h"

int doc_read_report(const char *path, struct doc_input *in, char *err, size_t errlen) {
  in->path = path;
  if (wpio_h5_read_report_flags(path, &in->job, WPIO_H5_READ_HEAD_ONLY, err, errlen) < 0) return -1;
  in->ntables = WPIO_H5_PRESENCE_TABLES; /* freed by doc_input_free, read or not */
  return wpio_h5_read_presence(path, in->tables, err, errlen);
}

/* ---- spill directory ---- */

static long attr_world_size(const struct wpio_job *job) {
  const struct wpio_attr *w = wpio_job_attr(job, "world_size");
  return w && w->is_int && w->ival > 0 && w->ival < (1L << 30) ? (long)w->ival : 0;
}

/* A spill: merged into in->job when good, an error finding when not. Returns 1 when good. */
static int read_one_spill(struct doctor *d, const char *dir, int rank, struct doc_input *in, long *world,
                          time_t *newest) {
  char path[8192], name[64], err[1024];
  struct stat st;
  if (wpio_spill_name(rank, name, sizeof name) == 0 &&
      snprintf(path, sizeof path, "%s/%s", dir, name) < (int)sizeof path && stat(path, &st) == 0 &&
      st.st_mtime > *newest)
    *newest = st.st_mtime;
  struct wpio_job part;
  wpio_job_init(&part);
  int good = wpio_spill_read_in(dir, rank, &part, err, sizeof err) == 0;
  if (!good) doc_find(d, DOC_ERROR, "rank %d: its spill is unreadable or corrupt (%s): its data is lost", rank, err);
  else if (wpio_job_merge(&in->job, &part) < 0) {
    doc_find(d, DOC_ERROR, "rank %d: its spill does not merge (bad name ids): its data is lost", rank);
    good = 0;
  } else {
    long w = attr_world_size(&part);
    if (w > *world) *world = w;
  }
  wpio_job_free(&part);
  return good;
}

/* Spills newer than the report beside them (DIR minus ".d") were written after it: the job went on. */
static void check_report_beside(struct doctor *d, const char *dir, time_t newest) {
  char report[8192];
  size_t n = strlen(dir);
  while (n > 1 && dir[n - 1] == '/') n--;
  size_t sl = strlen(WPIO_SPILL_DIR_SUFFIX);
  if (n <= sl || strncmp(dir + n - sl, WPIO_SPILL_DIR_SUFFIX, sl) != 0) return;
  snprintf(report, sizeof report, "%.*s", (int)(n - sl), dir);
  struct stat st;
  if (stat(report, &st) != 0)
    doc_find(d, DOC_INFO, "no report %s beside the spills: the job did not finish (wprof recover %.*s -o %s rebuilds one)",
             report, (int)n, dir, report);
  else if (newest > st.st_mtime)
    doc_find(d, DOC_WARNING, "spills in %.*s are newer than the report %s: the report lacks what was measured after it "
             "was written (wprof recover rebuilds one from the spills)", (int)n, dir, report);
}

int doc_read_spill_dir(struct doctor *d, const char *dir, struct doc_input *in, char *err, size_t errlen) {
  in->path = dir;
  in->spill_dir = 1;
  int *ranks = NULL;
  size_t n = 0;
  int listed = wpio_spill_list(dir, &ranks, &n, err, errlen);
  if (listed == 0 && n == 0) snprintf(err, errlen, "%s holds no spill files (rank-N.wpb)", dir);
  if (listed < 0 || n == 0) {
    free(ranks);
    return -1;
  }
  long world = 0;
  time_t newest = 0;
  unsigned char *good = calloc(n, 1);
  int rc = good ? 0 : -1;
  for (size_t i = 0; rc == 0 && i < n; i++) good[i] = (unsigned char)read_one_spill(d, dir, ranks[i], in, &world, &newest);
  if (world < (long)ranks[n - 1] + 1) world = (long)ranks[n - 1] + 1;
  /* every rank of the world gets a /ranks row: missing when it left no spill, corrupt when unreadable */
  unsigned char *fate = rc == 0 ? calloc((size_t)world, 1) : NULL; /* 0 missing, 1 ok, 2 corrupt */
  for (size_t i = 0; fate && i < n; i++) fate[ranks[i]] = good[i] ? 1 : 2;
  for (long r = 0; fate && r < world && rc == 0; r++)
    if (fate[r] != 1)
      rc = wpio_job_add_placeholder_rank(&in->job, (int32_t)r, fate[r] == 2 ? WPIO_STATUS_CORRUPT : WPIO_STATUS_MISSING);
  if (!fate) rc = -1;
  if (rc == 0) rc = wpio_job_set_attr_int(&in->job, "world_size", world);
  if (rc == 0) rc = wpio_job_summarize(&in->job); /* sorts /ranks */
  const struct wpio_job *j = &in->job;
#define FROM_ROWS(name, vec) \
  if (rc == 0) rc = wpio_presence_from_rows(&in->tables[in->ntables++], name, (vec).v, (vec).n, sizeof(*(vec).v))
  FROM_ROWS("/windows", j->windows);
  FROM_ROWS("/kernels", j->kernels);
  FROM_ROWS("/ranges", j->ranges);
  FROM_ROWS("/lite", j->lite);
  FROM_ROWS("/mpi", j->mpi);
  FROM_ROWS("/timeline", j->timeline);
  FROM_ROWS("/memory", j->memory);
  FROM_ROWS("/stacks", j->stacks);
#undef FROM_ROWS
  if (rc == 0) check_report_beside(d, dir, newest);
  if (rc < 0) snprintf(err, errlen, "out of memory reading %s", dir);
  free(fate);
  free(good);
  free(ranks);
  return rc;
}

void doc_input_free(struct doc_input *in) {
  for (size_t i = 0; i < in->ntables; i++) wpio_presence_free(&in->tables[i]);
  wpio_job_free(&in->job);
}
