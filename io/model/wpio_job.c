/* The job model's bookkeeping: growable arrays, root attributes, placeholder ranks and appending the
 * tables of one rank (or one job) to another with the name ids remapped. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "wpio_job.h"

static const char *const kind_names[WPIO_KIND_COUNT] = {"kernel", "memcpy", "memset", "sync", "other"};

const char *wpio_kind_name(int kind) {
  return (kind >= 0 && kind < WPIO_KIND_COUNT) ? kind_names[kind] : "other";
}

static const char *const event_kind_names[WPIO_EV_KIND_COUNT] = {
    "window", "range", "lite", "kernel", "memcpy", "memset", "sync", "mpi", "other"};

static const char *const mem_kind_names[WPIO_MEM_KIND_COUNT] = {
    "unknown", "pageable", "pinned", "device", "array", "managed", "device_static", "managed_static"};

const char *wpio_mem_kind_name(int kind) {
  return (kind >= 0 && kind < WPIO_MEM_KIND_COUNT) ? mem_kind_names[kind] : "unknown";
}

const char *wpio_event_kind_name(int kind) {
  return (kind >= 0 && kind < WPIO_EV_KIND_COUNT) ? event_kind_names[kind] : "other";
}

void wpio_job_init(struct wpio_job *job) {
  memset(job, 0, sizeof *job);
  wpio_strtab_init(&job->names);
}

/* Every table of a job, for what is done to all of them alike. */
#define WPIO_JOB_TABLES(X)                                                                               \
  X(attrs) X(ranks) X(windows) X(kernels) X(ranges) X(lite) X(lite_hist) X(mpi) X(timeline) X(sum_kernels) \
  X(sum_ranges) X(sum_lite) X(sum_mpi) X(memory) X(stacks) X(sum_memory) X(breakdown) X(launch_latency)  \
  X(cupti_overhead) X(strag_events) X(stragglers)

/* The per-rank row tables, which a report streamed part by part writes as they come (h5w_row_tables
 * in h5_write.c writes exactly these). */
#define WPIO_JOB_ROW_TABLES(X)                                                                          \
  X(windows) X(kernels) X(ranges) X(lite) X(lite_hist) X(mpi) X(timeline) X(memory) X(stacks) X(breakdown) \
  X(launch_latency) X(cupti_overhead)

size_t wpio_job_row_bytes(const struct wpio_job *job) {
  size_t bytes = 0;
#define ADD_BYTES(t) bytes += job->t.n * sizeof *job->t.v;
  WPIO_JOB_ROW_TABLES(ADD_BYTES)
#undef ADD_BYTES
  return bytes;
}

void wpio_job_clear_rows(struct wpio_job *job) {
#define EMPTY_ROWS(t) job->t.n = 0;
  WPIO_JOB_ROW_TABLES(EMPTY_ROWS)
#undef EMPTY_ROWS
}

/* The strings the rows own: attributes' keys and values, ranks' host names and statuses. */
static void free_row_strings(struct wpio_job *job) {
  for (size_t i = 0; i < job->attrs.n; i++) {
    free(job->attrs.v[i].key);
    free(job->attrs.v[i].value);
  }
  for (size_t i = 0; i < job->ranks.n; i++) {
    free(job->ranks.v[i].hostname);
    free(job->ranks.v[i].status);
  }
}

/* The straggler accumulator is the summary's (io/summary/wpio_stragglers.c): it is freed through the
 * function that came with it, so the model calls nothing above itself. */
static void strag_acc_release(struct wpio_job *job) {
  if (job->strag_acc && job->strag_acc_free) job->strag_acc_free(job->strag_acc);
}

void wpio_job_free(struct wpio_job *job) {
  wpio_strtab_free(&job->names);
  free_row_strings(job);
#define FREE_TABLE(t) free(job->t.v);
  WPIO_JOB_TABLES(FREE_TABLE)
#undef FREE_TABLE
  strag_acc_release(job);
  wpio_job_init(job);
}

void wpio_job_clear(struct wpio_job *job) {
  wpio_strtab_clear(&job->names);
  free_row_strings(job);
#define EMPTY_TABLE(t) job->t.n = 0;
  WPIO_JOB_TABLES(EMPTY_TABLE)
#undef EMPTY_TABLE
  strag_acc_release(job);
  job->strag_acc = NULL;
}

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23 /* Linux 5.14; older kernels say EINVAL and the pages fault in as before */
#endif
#define POPULATE_MIN (64u << 10)

/* Makes the pages of [p, p + len) present in one call: a reservation is written soon (the merge of
 * the ranks to come, a pack), and faulting its fresh pages in one by one cost ~1.5x as much (~3.5
 * against ~2.1 us a page on the 2-core VM). Only whole pages inside the range, only for large ones. */
static void populate(char *p, size_t len) {
  if (len < POPULATE_MIN) return;
  long page = sysconf(_SC_PAGESIZE);
  if (page <= 0) page = 4096;
  uintptr_t lo = ((uintptr_t)p + (uintptr_t)page - 1) & ~((uintptr_t)page - 1);
  uintptr_t hi = ((uintptr_t)p + len) & ~((uintptr_t)page - 1);
  if (hi > lo) (void)madvise((void *)lo, hi - lo, MADV_POPULATE_WRITE);
}

/* Room for `want` elements, the new part made present when `fill` (a reservation that is written). */
static int vec_reserve(void *vec_v, size_t *cap, size_t elem_size, size_t want, int fill) {
  void **v = vec_v;
  if (want <= *cap) return 0;
  size_t old_cap = *cap;
  size_t ncap = *cap ? *cap : 16;
  while (ncap < want) {
    if (ncap > SIZE_MAX / 2) return -1;
    ncap *= 2;
  }
  if (ncap > SIZE_MAX / elem_size) return -1;
  void *p = realloc(*v, ncap * elem_size);
  if (!p) return -1;
  *v = p;
  *cap = ncap;
  if (fill) populate((char *)p + old_cap * elem_size, (want - old_cap) * elem_size); /* what was asked for, not the doubling */
  return 0;
}

int wpio_vec_reserve(void *vec_v, size_t *cap, size_t elem_size, size_t want) {
  return vec_reserve(vec_v, cap, elem_size, want, 1);
}

int wpio_vec_reserve_hint(void *vec_v, size_t *cap, size_t elem_size, size_t want) {
  return vec_reserve(vec_v, cap, elem_size, want, 0);
}

void *wpio_vec_grow(void *vec_v, size_t *n, size_t *cap, size_t elem_size) {
  if (*n == SIZE_MAX) return NULL;
  if (vec_reserve(vec_v, cap, elem_size, *n + 1, 0) != 0) return NULL;
  char *elem = (char *)*(void **)vec_v + *n * elem_size;
  memset(elem, 0, elem_size);
  (*n)++;
  return elem;
}

static char *dup_or_empty(const char *s) { return strdup(s ? s : ""); }

static struct wpio_attr *attr_find_mut(struct wpio_job *job, const char *key) {
  for (size_t i = 0; i < job->attrs.n; i++)
    if (strcmp(job->attrs.v[i].key, key) == 0) return &job->attrs.v[i];
  return NULL;
}

const struct wpio_attr *wpio_job_attr(const struct wpio_job *job, const char *key) {
  return attr_find_mut((struct wpio_job *)job, key);
}

/* Sets key to a new value; the old value is released only once the new one exists. */
static int attr_set(struct wpio_job *job, const char *key, const char *value, int is_int, int64_t ival) {
  if (!key) return -1;
  char *nv = dup_or_empty(value);
  if (!nv) return -1;
  struct wpio_attr *a = attr_find_mut(job, key);
  if (!a) {
    char *nk = strdup(key);
    if (!nk || !(a = WPIO_VEC_PUSH(job->attrs))) {
      free(nk);
      free(nv);
      return -1;
    }
    a->key = nk;
  }
  free(a->value);
  a->value = nv;
  a->is_int = is_int;
  a->ival = ival;
  return 0;
}

int wpio_job_set_attr(struct wpio_job *job, const char *key, const char *value) {
  return attr_set(job, key, value, 0, 0);
}

int wpio_job_set_attr_int(struct wpio_job *job, const char *key, int64_t value) {
  char text[32];
  snprintf(text, sizeof text, "%lld", (long long)value);
  return attr_set(job, key, text, 1, value);
}

/* Copies a rank row with its own strings. */
static int rank_push_copy(struct wpio_job *job, const struct wpio_rank_row *src) {
  char *host = dup_or_empty(src->hostname);
  char *status = dup_or_empty(src->status);
  struct wpio_rank_row *r = (host && status) ? WPIO_VEC_PUSH(job->ranks) : NULL;
  if (!r) {
    free(host);
    free(status);
    return -1;
  }
  *r = *src;
  r->hostname = host;
  r->status = status;
  return 0;
}

int wpio_job_add_placeholder_rank(struct wpio_job *job, int32_t rank, const char *status) {
  struct wpio_rank_row row = {.rank = rank, .hostname = "", .pid = -1, .device = -1,
                              .status = (char *)(status ? status : WPIO_STATUS_MISSING), .collected = 0};
  return rank_push_copy(job, &row);
}

/* map[i] = dst id of src name i; NULL map (and 0) when src has no names. */
static int merge_names(struct wpio_job *dst, const struct wpio_job *src, uint32_t **map_out) {
  *map_out = NULL;
  if (src->names.n == 0) return 0;
  uint32_t *map = malloc(src->names.n * sizeof *map);
  if (!map) return -1;
  for (size_t i = 0; i < src->names.n; i++) {
    const char *s = src->names.s[i];
    /* ranks intern their names in the same order, so a name is mostly at its own id in dst: equal
     * there, it is that id (names in a table are unique), without hashing it */
    if (i < dst->names.n && strcmp(dst->names.s[i], s) == 0) {
      map[i] = (uint32_t)i;
      continue;
    }
    map[i] = wpio_strtab_intern(&dst->names, s, strlen(s));
    if (map[i] == UINT32_MAX) {
      free(map);
      return -1;
    }
  }
  *map_out = map;
  return 0;
}

/* Appends `n` rows of `elem` bytes, then rewrites each row's name_id (at `id_off`) through `map`. */
static int append_rows(void *vec_v, size_t *vn, size_t *cap, size_t elem, const void *rows, size_t n,
                       size_t id_off, const uint32_t *map, size_t nmap) {
  if (n == 0) return 0;
  for (size_t i = 0; i < n; i++) { /* validate first so a bad id leaves dst untouched */
    uint32_t id;
    memcpy(&id, (const char *)rows + i * elem + id_off, sizeof id);
    if (id >= nmap) return -1;
  }
  if (*vn > SIZE_MAX - n || wpio_vec_reserve(vec_v, cap, elem, *vn + n) != 0) return -1;
  char *out = (char *)*(void **)vec_v + *vn * elem;
  memcpy(out, rows, n * elem);
  for (size_t i = 0; i < n; i++) {
    uint32_t id;
    memcpy(&id, out + i * elem + id_off, sizeof id);
    id = map[id];
    memcpy(out + i * elem + id_off, &id, sizeof id);
  }
  *vn += n;
  return 0;
}

#define APPEND_NAMED(dst, src, field, T, map, nmap)                                                \
  append_rows(&(dst)->field.v, &(dst)->field.n, &(dst)->field.cap, sizeof(T), (src)->field.v,      \
              (src)->field.n, offsetof(T, name_id), map, nmap)

/* /stacks rows carry two ids (stack and kernel): both are remapped. */
static int merge_stacks(struct wpio_job *dst, const struct wpio_job *src, const uint32_t *map, size_t nmap) {
  size_t n0 = dst->stacks.n;
  for (size_t i = 0; i < src->stacks.n; i++)
    if (src->stacks.v[i].stack_id >= nmap) return -1;
  if (APPEND_NAMED(dst, src, stacks, struct wpio_stack_row, map, nmap) != 0) return -1;
  for (size_t i = 0; i < src->stacks.n; i++) dst->stacks.v[n0 + i].stack_id = map[src->stacks.v[i].stack_id];
  return 0;
}

/* Rows without names: copied as they are. */
#define APPEND_PLAIN(dst, src, field)                                                              \
  append_plain(&(dst)->field.v, &(dst)->field.n, &(dst)->field.cap, sizeof(*(src)->field.v),       \
               (src)->field.v, (src)->field.n)
static int append_plain(void *vec_v, size_t *vn, size_t *cap, size_t elem, const void *rows, size_t n) {
  if (n == 0) return 0;
  if (*vn > SIZE_MAX - n || wpio_vec_reserve(vec_v, cap, elem, *vn + n) != 0) return -1;
  memcpy((char *)*(void **)vec_v + *vn * elem, rows, n * elem);
  *vn += n;
  return 0;
}

static int merge_attrs(struct wpio_job *dst, const struct wpio_job *src) {
  for (size_t i = 0; i < src->attrs.n; i++) {
    const struct wpio_attr *a = &src->attrs.v[i];
    if (wpio_job_attr(dst, a->key)) continue;
    if (attr_set(dst, a->key, a->value, a->is_int, a->ival) != 0) return -1;
  }
  return 0;
}

int wpio_job_append(struct wpio_job *dst, const struct wpio_job *src) {
  uint32_t *map = NULL;
  if (merge_names(dst, src, &map) != 0) return -1;
  size_t nmap = src->names.n;
  int rc = merge_attrs(dst, src);
  for (size_t i = 0; rc == 0 && i < src->ranks.n; i++) rc = rank_push_copy(dst, &src->ranks.v[i]);
  if (rc == 0) rc = APPEND_PLAIN(dst, src, windows);
  if (rc == 0) rc = APPEND_NAMED(dst, src, kernels, struct wpio_kernel_row, map, nmap);
  if (rc == 0) rc = APPEND_NAMED(dst, src, ranges, struct wpio_range_row, map, nmap);
  if (rc == 0) rc = APPEND_NAMED(dst, src, lite, struct wpio_lite_row, map, nmap);
  if (rc == 0) rc = APPEND_NAMED(dst, src, lite_hist, struct wpio_hist_row, map, nmap);
  if (rc == 0) rc = APPEND_NAMED(dst, src, mpi, struct wpio_mpi_row, map, nmap);
  if (rc == 0) rc = APPEND_NAMED(dst, src, timeline, struct wpio_timeline_row, map, nmap);
  if (rc == 0) rc = APPEND_NAMED(dst, src, memory, struct wpio_memory_row, map, nmap);
  if (rc == 0) rc = merge_stacks(dst, src, map, nmap);
  if (rc == 0) rc = APPEND_PLAIN(dst, src, breakdown);
  if (rc == 0) rc = APPEND_NAMED(dst, src, launch_latency, struct wpio_launch_latency_row, map, nmap);
  if (rc == 0) rc = APPEND_NAMED(dst, src, cupti_overhead, struct wpio_cupti_overhead_row, map, nmap);
  if (rc == 0) rc = APPEND_PLAIN(dst, src, stragglers);
  free(map);
  return rc;
}
