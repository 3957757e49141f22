/* The wire-format tests' shared pieces (test_io_wire.c, test_io_wire_compat.c): a job with every
 * table filled, a field-by-field comparison, a decode that must fail cleanly, and byte-level helpers
 * over the documented layout (header, sections, CRC) for mutating encoded buffers. */
#ifndef WPTEST_WIRE_H
#define WPTEST_WIRE_H

#include <stdlib.h>
#include <string.h>

#include "wptest_check.h"
#include "wpio_hist.h"
#include "wpio_wire.h"

/* Same layout constants as io/wire/wpio_wire_fmt.h, restated: the test checks the documented format. */
#define HDR 20u
#define SEC_HEAD 10u

static inline char *long_name(char fill, size_t len) {
  char *s = malloc(len + 1);
  for (size_t i = 0; i < len; i++) s[i] = (char)(fill + (i % 7));
  s[len] = '\0';
  return s;
}

static inline int build_job(struct wpio_job *job) {
  char *l1 = long_name('A', 5000), *l2 = long_name('a', 4321);
  const char *names[] = {"main_loop", l1, "void kernel<float, 3>(float*, int)", l2, "\xc3\xa9t\xc3\xa9"};
  for (uint32_t i = 0; i < 5; i++) CHECK(wpio_strtab_intern(&job->names, names[i], strlen(names[i])) == i);
  free(l1), free(l2);
  CHECK(wpio_job_set_attr(job, "backend", "host") == 0);
  CHECK(wpio_job_set_attr_int(job, "world_size", 3) == 0);
  CHECK(wpio_job_set_attr_int(job, "delay_iters", -7) == 0);
  CHECK(wpio_job_set_attr(job, "sync", "broken: missing rank(s) 1 at start of window 2") == 0);
  for (int r = 0; r < 3; r++) {
    struct wpio_rank_row *x = WPIO_VEC_PUSH(job->ranks);
    CHECK(x);
    *x = (struct wpio_rank_row){r, strdup("node-17.cluster"), 1000 + r, r - 1, -123456789 * (r + 1), 0.125 * r,
                                77 * r, 5u * (uint64_t)r, strdup(r == 1 ? WPIO_STATUS_CORRUPT : WPIO_STATUS_OK), r != 2,
                                5000000000000ll + r, 11u * (uint64_t)r};
    for (int w = 0; w < 2; w++) {
      struct wpio_window_row *wr = WPIO_VEC_PUSH(job->windows);
      CHECK(wr);
      *wr = (struct wpio_window_row){r, w, 1000000000000ll * w + r, 1000000000000ll * w + 5000 + r, 3 + w,
                                     w == 1 && r == 2}; /* one window cut short */
      for (uint32_t n = 0; n < 5; n++) {
        struct wpio_kernel_row *k = WPIO_VEC_PUSH(job->kernels);
        struct wpio_range_row *g = WPIO_VEC_PUSH(job->ranges);
        CHECK(k && g);
        *k = (struct wpio_kernel_row){r, w, n, (int32_t)(n % WPIO_KIND_COUNT), 10 + n, 1000 * n + r, 3, 500 + n,
                                      UINT64_MAX - n, 1 + n, 2, 3, 128 + n, 4, 5, 64, 48 * 1024, UINT32_MAX - n,
                                      n % 2 ? (int64_t)n * 1000000007 : -1};
        *g = (struct wpio_range_row){r, w, n, 1 + n, 9000 + n, 8000 + n, 700 + r, 800 + r};
      }
    }
    for (int w = -1; w < 2; w++)
      for (uint32_t n = 0; n < 5; n++) {
        struct wpio_mpi_row *m = WPIO_VEC_PUSH(job->mpi);
        CHECK(m);
        *m = (struct wpio_mpi_row){r, w, n, 1 + n, 5000 + 10 * n + r, 40 + n, 900 + n, UINT64_MAX - 2 * n};
      }
    for (uint32_t n = 0; n < 5; n++) {
      struct wpio_timeline_row *t = WPIO_VEC_PUSH(job->timeline);
      CHECK(t);
      *t = (struct wpio_timeline_row){r, (int32_t)(n % WPIO_EV_KIND_COUNT), n, n % 2 ? 4242 : WPIO_TRACK_STREAM(7),
                                      -5 + 1000 * n, 1000 * n + 999};
    }
    for (uint32_t n = 0; n < 5; n++) {
      struct wpio_memory_row *m = WPIO_VEC_PUSH(job->memory);
      struct wpio_stack_row *st = WPIO_VEC_PUSH(job->stacks);
      CHECK(m && st);
      *m = (struct wpio_memory_row){r, (int32_t)n % 2, n, r - 1, (int32_t)(n % WPIO_MEM_KIND_COUNT), 3 + n, n,
                                    UINT64_MAX - 5 * n, 77 * n, 1ull << (40 + n), -1 - (int64_t)n};
      *st = (struct wpio_stack_row){r, (int32_t)n % 2, 4 - n, n, 9 + n, UINT64_MAX - 3 * n, n % 2 ? 0 : 4096u << n};
    }
    for (uint32_t n = 0; n < 3; n++) { /* issue 9: breakdown, launch latency, CUPTI overhead */
      struct wpio_breakdown_row *bd = WPIO_VEC_PUSH(job->breakdown);
      struct wpio_launch_latency_row *ll = WPIO_VEC_PUSH(job->launch_latency);
      struct wpio_cupti_overhead_row *ov = WPIO_VEC_PUSH(job->cupti_overhead);
      CHECK(bd && ll && ov);
      *bd = (struct wpio_breakdown_row){r, (int32_t)n, 1000000 + n, 800000, 500000, 100000, 400000, 200000 + n,
                                        300000, 0.75 + n, 5000 + r, INT64_MAX - n};
      *ll = (struct wpio_launch_latency_row){r, (int32_t)n, n, 20 + n, 100863, UINT64_MAX - n};
      *ov = (struct wpio_cupti_overhead_row){r, 4 - n, 3 + n, 15000 * n};
    }
    for (uint32_t n = 0; n < 5; n++) {
      struct wpio_lite_row *l = WPIO_VEC_PUSH(job->lite);
      CHECK(l);
      *l = (struct wpio_lite_row){r, n, 100, 123456, 7, 99999, 1000, 2000, 3000 + n};
      for (uint32_t b = 0; b < 3; b++) {
        struct wpio_hist_row *h = WPIO_VEC_PUSH(job->lite_hist);
        CHECK(h);
        *h = (struct wpio_hist_row){r, n, wpio_hist_bucket(10 + 1000 * b), 30 + b};
      }
    }
  }
  return 0;
}

static inline int same_str(const char *a, const char *b) { return strcmp(a ? a : "", b ? b : "") == 0; }

static inline int compare_jobs(const struct wpio_job *a, const struct wpio_job *b) {
  CHECK(a->names.n == b->names.n);
  for (size_t i = 0; i < a->names.n; i++) CHECK(strcmp(a->names.s[i], b->names.s[i]) == 0);
  CHECK(a->attrs.n == b->attrs.n);
  for (size_t i = 0; i < a->attrs.n; i++) {
    const struct wpio_attr *x = &a->attrs.v[i], *y = &b->attrs.v[i];
    CHECK(strcmp(x->key, y->key) == 0 && strcmp(x->value, y->value) == 0);
    CHECK(x->is_int == y->is_int && x->ival == y->ival);
  }
  CHECK(a->ranks.n == b->ranks.n);
  for (size_t i = 0; i < a->ranks.n; i++) {
    const struct wpio_rank_row *x = &a->ranks.v[i], *y = &b->ranks.v[i];
    CHECK(x->rank == y->rank && same_str(x->hostname, y->hostname) && x->pid == y->pid);
    CHECK(x->device == y->device && x->clock_offset_ns == y->clock_offset_ns);
    CHECK(x->clock_drift_ppm == y->clock_drift_ppm && x->clock_residual_ns == y->clock_residual_ns);
    CHECK(x->dropped_records == y->dropped_records && same_str(x->status, y->status));
    CHECK(x->collected == y->collected && x->clock_ref_ns == y->clock_ref_ns);
    CHECK(x->timeline_dropped == y->timeline_dropped);
  }
  CHECK(a->timeline.n == b->timeline.n);
  for (size_t i = 0; i < a->timeline.n; i++) {
    const struct wpio_timeline_row *x = &a->timeline.v[i], *y = &b->timeline.v[i];
    CHECK(x->rank == y->rank && x->kind == y->kind && x->name_id == y->name_id && x->track == y->track);
    CHECK(x->start_ns == y->start_ns && x->end_ns == y->end_ns);
  }
  CHECK(a->windows.n == b->windows.n);
  for (size_t i = 0; i < a->windows.n; i++) {
    const struct wpio_window_row *x = &a->windows.v[i], *y = &b->windows.v[i];
    CHECK(x->rank == y->rank && x->window == y->window && x->start_ns == y->start_ns);
    CHECK(x->end_ns == y->end_ns && x->steps == y->steps);
  }
  CHECK(a->kernels.n == b->kernels.n);
  for (size_t i = 0; i < a->kernels.n; i++) {
    const struct wpio_kernel_row *x = &a->kernels.v[i], *y = &b->kernels.v[i];
    CHECK(x->rank == y->rank && x->window == y->window && x->name_id == y->name_id && x->kind == y->kind);
    CHECK(x->calls == y->calls && x->total_ns == y->total_ns && x->min_ns == y->min_ns);
    CHECK(x->max_ns == y->max_ns && x->bytes == y->bytes);
    CHECK(x->grid_x == y->grid_x && x->grid_y == y->grid_y && x->grid_z == y->grid_z);
    CHECK(x->block_x == y->block_x && x->block_y == y->block_y && x->block_z == y->block_z);
    CHECK(x->registers_per_thread == y->registers_per_thread && x->static_shared_bytes == y->static_shared_bytes);
    CHECK(x->dynamic_shared_bytes == y->dynamic_shared_bytes && x->graph_id == y->graph_id);
  }
  CHECK(a->memory.n == b->memory.n && a->stacks.n == b->stacks.n);
  for (size_t i = 0; i < a->memory.n; i++) {
    const struct wpio_memory_row *x = &a->memory.v[i], *y = &b->memory.v[i];
    CHECK(x->rank == y->rank && x->window == y->window && x->name_id == y->name_id && x->device == y->device);
    CHECK(x->kind == y->kind && x->allocations == y->allocations && x->frees == y->frees);
    CHECK(x->bytes_allocated == y->bytes_allocated && x->bytes_freed == y->bytes_freed);
    CHECK(x->peak_bytes == y->peak_bytes && x->peak_time_ns == y->peak_time_ns);
  }
  for (size_t i = 0; i < a->stacks.n; i++) CHECK(memcmp(&a->stacks.v[i], &b->stacks.v[i], sizeof a->stacks.v[i]) == 0);
  CHECK(a->breakdown.n == b->breakdown.n && a->launch_latency.n == b->launch_latency.n);
  CHECK(a->cupti_overhead.n == b->cupti_overhead.n);
  for (size_t i = 0; i < a->breakdown.n; i++) /* no padding in these two rows */
    CHECK(memcmp(&a->breakdown.v[i], &b->breakdown.v[i], sizeof a->breakdown.v[i]) == 0);
  for (size_t i = 0; i < a->cupti_overhead.n; i++)
    CHECK(memcmp(&a->cupti_overhead.v[i], &b->cupti_overhead.v[i], sizeof a->cupti_overhead.v[i]) == 0);
  for (size_t i = 0; i < a->launch_latency.n; i++) {
    const struct wpio_launch_latency_row *x = &a->launch_latency.v[i], *y = &b->launch_latency.v[i];
    CHECK(x->rank == y->rank && x->window == y->window && x->name_id == y->name_id && x->calls == y->calls);
    CHECK(x->p50_ns == y->p50_ns && x->p99_ns == y->p99_ns);
  }
  CHECK(a->ranges.n == b->ranges.n);
  for (size_t i = 0; i < a->ranges.n; i++) {
    const struct wpio_range_row *x = &a->ranges.v[i], *y = &b->ranges.v[i];
    CHECK(x->rank == y->rank && x->window == y->window && x->name_id == y->name_id && x->calls == y->calls);
    CHECK(x->cpu_total_ns == y->cpu_total_ns && x->cpu_self_ns == y->cpu_self_ns);
    CHECK(x->cuda_self_ns == y->cuda_self_ns && x->cuda_total_ns == y->cuda_total_ns);
  }
  CHECK(a->lite.n == b->lite.n);
  for (size_t i = 0; i < a->lite.n; i++) {
    const struct wpio_lite_row *x = &a->lite.v[i], *y = &b->lite.v[i];
    CHECK(x->rank == y->rank && x->name_id == y->name_id && x->calls == y->calls && x->total_ns == y->total_ns);
    CHECK(x->min_ns == y->min_ns && x->max_ns == y->max_ns && x->p50_ns == y->p50_ns);
    CHECK(x->p90_ns == y->p90_ns && x->p99_ns == y->p99_ns);
  }
  CHECK(a->lite_hist.n == b->lite_hist.n);
  for (size_t i = 0; i < a->lite_hist.n; i++) {
    const struct wpio_hist_row *x = &a->lite_hist.v[i], *y = &b->lite_hist.v[i];
    CHECK(x->rank == y->rank && x->name_id == y->name_id && x->bucket == y->bucket && x->count == y->count);
  }
  CHECK(a->mpi.n == b->mpi.n);
  for (size_t i = 0; i < a->mpi.n; i++) {
    const struct wpio_mpi_row *x = &a->mpi.v[i], *y = &b->mpi.v[i];
    CHECK(x->rank == y->rank && x->window == y->window && x->name_id == y->name_id && x->calls == y->calls);
    CHECK(x->total_ns == y->total_ns && x->min_ns == y->min_ns && x->max_ns == y->max_ns && x->bytes == y->bytes);
  }
  return 0;
}

static inline int is_empty(const struct wpio_job *j) {
  return j->names.n == 0 && j->attrs.n == 0 && j->ranks.n == 0 && j->windows.n == 0 && j->kernels.n == 0 &&
         j->ranges.n == 0 && j->lite.n == 0 && j->lite_hist.n == 0 && j->mpi.n == 0 && j->memory.n == 0 &&
         j->stacks.n == 0;
}

/* Decodes and expects a clean failure: non-empty one-line message, empty job. */
static inline int expect_fail(const uint8_t *buf, size_t len, const char *must_contain) {
  struct wpio_job j;
  char err[256];
  wpio_job_init(&j);
  int rc = wpio_decode(buf, len, &j, err, sizeof err);
  int empty = is_empty(&j);
  wpio_job_free(&j);
  if (rc == 0) fprintf(stderr, "decode of %zu bytes unexpectedly succeeded\n", len);
  CHECK(rc == -1);
  CHECK(err[0] != '\0' && strchr(err, '\n') == NULL);
  CHECK(empty);
  if (must_contain && !strstr(err, must_contain)) fprintf(stderr, "message: %s\n", err);
  if (must_contain) CHECK(strstr(err, must_contain) != NULL);
  return 0;
}

static inline void store_le(uint8_t *p, uint64_t v, unsigned bytes) {
  for (unsigned i = 0; i < bytes; i++) p[i] = (uint8_t)(v >> (8 * i));
}
static inline uint64_t load_le(const uint8_t *p, unsigned bytes) {
  uint64_t v = 0;
  for (unsigned i = 0; i < bytes; i++) v |= (uint64_t)p[i] << (8 * i);
  return v;
}

static inline void fix_crc(uint8_t *buf, size_t len) {
  store_le(buf + 16, wpio_wire_checksum((unsigned)load_le(buf + 4, 2), buf + HDR, len - HDR), 4);
}

/* Offset of the head of the section with `tag`, or 0 when absent. */
static inline size_t find_section(const uint8_t *buf, size_t len, unsigned tag) {
  size_t off = HDR;
  while (off + SEC_HEAD <= len) {
    if (load_le(buf + off, 2) == tag) return off;
    off += SEC_HEAD + (size_t)load_le(buf + off + 2, 8);
  }
  return 0;
}

#endif
