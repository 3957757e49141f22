/* `wprof doctor`'s inputs. A report is read cheaply: its head (attributes, /meta, /names, /ranks,
 * /windows) through the io reader, and for each per-rank table only its row count and the
 * rank_spans attribute the writer leaves (the rank column is read only when that is absent). A spill
 * directory is read like `wprof recover` reads it. */
#include <hdf5.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "h5_schema.h"
#include "wpio_h5.h"
#include "wpio_spill.h"
#include "wprof_doctor.h"

/* The per-rank tables whose presence is compared (windows first: every collecting rank has one). */
static const enum h5s_table_id presence_ids[] = {H5S_WINDOWS, H5S_KERNELS, H5S_RANGES, H5S_LITE,
                                                 H5S_MPI, H5S_TIMELINE, H5S_MEMORY, H5S_STACKS};
#define N_PRESENCE (sizeof presence_ids / sizeof presence_ids[0])

static int cmp_i32(const void *a, const void *b) {
  int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;
  return (x > y) - (x < y);
}

/* Sorts and deduplicates ranks[0..n) in place; returns the distinct count. */
static size_t distinct(int32_t *ranks, size_t n) {
  qsort(ranks, n, sizeof *ranks, cmp_i32);
  size_t k = 0;
  for (size_t i = 0; i < n; i++)
    if (k == 0 || ranks[k - 1] != ranks[i]) ranks[k++] = ranks[i];
  return k;
}

int doc_table_from_rows(struct doc_table *t, const char *name, const void *rows, size_t n, size_t size) {
  t->name = name;
  t->rows = n;
  t->ranks = NULL;
  t->nranks = 0;
  if (n == 0) return 0;
  t->ranks = malloc(n * sizeof *t->ranks);
  if (!t->ranks) return -1;
  for (size_t i = 0; i < n; i++) t->ranks[i] = *(const int32_t *)((const char *)rows + i * size);
  t->nranks = distinct(t->ranks, n);
  return 0;
}

/* ---- report ---- */

static int spans_to_ranks(struct doc_table *t, const int32_t *spans, size_t nspans) {
  size_t total = 0;
  for (size_t i = 0; i < nspans; i++) {
    if (spans[2 * i] < 0 || spans[2 * i + 1] < spans[2 * i]) return -1;
    total += (size_t)(spans[2 * i + 1] - spans[2 * i]) + 1;
    if (total > ((size_t)1 << 31)) return -1;
  }
  t->ranks = malloc((total ? total : 1) * sizeof *t->ranks);
  if (!t->ranks) return -1;
  for (size_t i = 0; i < nspans; i++)
    for (int32_t r = spans[2 * i]; r <= spans[2 * i + 1]; r++) t->ranks[t->nranks++] = r;
  t->nranks = distinct(t->ranks, t->nranks);
  return 0;
}

/* The rank_spans attribute of an open table; 0 when read, -1 when absent or unusable. */
static int read_spans(hid_t d, struct doc_table *t) {
  if (H5Aexists(d, WPIO_H5_RANK_SPANS_ATTR) <= 0) return -1;
  hid_t a = H5Aopen(d, WPIO_H5_RANK_SPANS_ATTR, H5P_DEFAULT);
  hid_t space = a >= 0 ? H5Aget_space(a) : H5I_INVALID_HID;
  hssize_t np = space >= 0 ? H5Sget_simple_extent_npoints(space) : -1;
  int rc = -1;
  if (np > 0 && np % 2 == 0 && np <= (1 << 20)) {
    int32_t *spans = malloc((size_t)np * sizeof *spans);
    if (spans && H5Aread(a, H5T_NATIVE_INT32, spans) >= 0) rc = spans_to_ranks(t, spans, (size_t)np / 2);
    free(spans);
  }
  if (space >= 0) H5Sclose(space);
  if (a >= 0) H5Aclose(a);
  return rc;
}

/* The rank column alone (reports written before rank_spans, or with too many spans). */
static int read_rank_column(hid_t d, struct doc_table *t) {
  hid_t mt = H5Tcreate(H5T_COMPOUND, sizeof(int32_t));
  int rc = -1;
  if (mt >= 0 && H5Tinsert(mt, "rank", 0, H5T_NATIVE_INT32) >= 0) {
    t->ranks = malloc(t->rows * sizeof *t->ranks);
    if (t->ranks && H5Dread(d, mt, H5S_ALL, H5S_ALL, H5P_DEFAULT, t->ranks) >= 0) {
      t->nranks = distinct(t->ranks, t->rows);
      rc = 0;
    }
  }
  if (mt >= 0) H5Tclose(mt);
  return rc;
}

static int read_presence(hid_t f, const char *path, struct doc_table *t, char *err, size_t errlen) {
  t->name = path;
  if (H5Lexists(f, path, H5P_DEFAULT) <= 0) return 0; /* a table of a later issue: an older report */
  hid_t d = H5Dopen2(f, path, H5P_DEFAULT);
  hid_t space = d >= 0 ? H5Dget_space(d) : H5I_INVALID_HID;
  hsize_t dims[1] = {0};
  int ok = space >= 0 && H5Sget_simple_extent_ndims(space) == 1 && H5Sget_simple_extent_dims(space, dims, NULL) == 1;
  if (space >= 0) H5Sclose(space);
  int rc = 0;
  if (!ok) {
    snprintf(err, errlen, "table %s is damaged (not a one-dimensional table)", path);
    rc = -1;
  } else if ((t->rows = (size_t)dims[0]) > 0 && read_spans(d, t) < 0) {
    free(t->ranks);
    t->ranks = NULL;
    t->nranks = 0;
    if (read_rank_column(d, t) < 0) {
      snprintf(err, errlen, "table %s is damaged (its rank column cannot be read)", path);
      rc = -1;
    }
  }
  if (d >= 0) H5Dclose(d);
  return rc;
}

int doc_read_report(const char *path, struct doc_input *in, char *err, size_t errlen) {
  in->path = path;
  if (wpio_h5_read_report_flags(path, &in->job, WPIO_H5_READ_HEAD_ONLY, err, errlen) < 0) return -1;
  H5E_auto2_t old_fn = NULL;
  void *old_data = NULL;
  H5Eget_auto2(H5E_DEFAULT, &old_fn, &old_data);
  H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
  hid_t f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
  int rc = f >= 0 ? 0 : -1;
  char why[512] = "";
  if (f < 0) snprintf(why, sizeof why, "HDF5 cannot open it");
  for (size_t i = 0; rc == 0 && i < N_PRESENCE; i++)
    rc = read_presence(f, h5s_table(presence_ids[i])->path, &in->tables[in->ntables++], why, sizeof why);
  if (f >= 0) H5Fclose(f);
  H5Eset_auto2(H5E_DEFAULT, old_fn, old_data);
  if (rc < 0) snprintf(err, errlen, "%s: %s", path, why);
  return rc;
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
  if (rc == 0) rc = doc_table_from_rows(&in->tables[in->ntables++], name, (vec).v, (vec).n, sizeof(*(vec).v))
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
  for (size_t i = 0; i < in->ntables; i++) free(in->tables[i].ranks);
  wpio_job_free(&in->job);
}
