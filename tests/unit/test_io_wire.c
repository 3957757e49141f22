/* Unit test of the wire format: a full round trip compared field by field, then hostile input —
 * every truncation, byte flips, structural mutations with a valid CRC, a newer version, lying row
 * counts, bad ids — each refused with one line (and, under ASan, without a bad read). */
#include <stdlib.h>
#include <string.h>

#include "wptest_check.h"
#include "wpio_hist.h"
#include "wpio_wire.h"

/* Same layout constants as io/wire/wpio_wire_fmt.h, restated: the test checks the documented format. */
#define HDR 20u
#define SEC_HEAD 10u

static char *long_name(char fill, size_t len) {
  char *s = malloc(len + 1);
  for (size_t i = 0; i < len; i++) s[i] = (char)(fill + (i % 7));
  s[len] = '\0';
  return s;
}

static int build_job(struct wpio_job *job) {
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
      *wr = (struct wpio_window_row){r, w, 1000000000000ll * w + r, 1000000000000ll * w + 5000 + r, 3 + w};
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

static int same_str(const char *a, const char *b) { return strcmp(a ? a : "", b ? b : "") == 0; }

static int compare_jobs(const struct wpio_job *a, const struct wpio_job *b) {
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

static int is_empty(const struct wpio_job *j) {
  return j->names.n == 0 && j->attrs.n == 0 && j->ranks.n == 0 && j->windows.n == 0 && j->kernels.n == 0 &&
         j->ranges.n == 0 && j->lite.n == 0 && j->lite_hist.n == 0 && j->mpi.n == 0 && j->memory.n == 0 &&
         j->stacks.n == 0;
}

/* Decodes and expects a clean failure: non-empty one-line message, empty job. */
static int expect_fail(const uint8_t *buf, size_t len, const char *must_contain) {
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

static void store_le(uint8_t *p, uint64_t v, unsigned bytes) {
  for (unsigned i = 0; i < bytes; i++) p[i] = (uint8_t)(v >> (8 * i));
}
static uint64_t load_le(const uint8_t *p, unsigned bytes) {
  uint64_t v = 0;
  for (unsigned i = 0; i < bytes; i++) v |= (uint64_t)p[i] << (8 * i);
  return v;
}

static void fix_crc(uint8_t *buf, size_t len) {
  store_le(buf + 16, wpio_wire_checksum((unsigned)load_le(buf + 4, 2), buf + HDR, len - HDR), 4);
}

/* Offset of the head of the section with `tag`, or 0 when absent. */
static size_t find_section(const uint8_t *buf, size_t len, unsigned tag) {
  size_t off = HDR;
  while (off + SEC_HEAD <= len) {
    if (load_le(buf + off, 2) == tag) return off;
    off += SEC_HEAD + (size_t)load_le(buf + off + 2, 8);
  }
  return 0;
}

static struct wpio_job g_job;
static uint8_t *g_buf;
static size_t g_len;

static int test_round_trip(void) {
  wpio_job_init(&g_job);
  CHECK(build_job(&g_job) == 0);
  CHECK(wpio_encode(&g_job, &g_buf, &g_len) == 0);
  CHECK(g_len > 9000 && memcmp(g_buf, "WPRK", 4) == 0);
  struct wpio_job back;
  char err[256];
  wpio_job_init(&back);
  CHECK(wpio_decode(g_buf, g_len, &back, err, sizeof err) == 0);
  CHECK(compare_jobs(&g_job, &back) == 0);
  CHECK(wpio_job_attr(&back, "world_size")->is_int && wpio_job_attr(&back, "world_size")->ival == 3);
  CHECK(strlen(back.names.s[1]) == 5000);
  /* re-encoding the decoded job gives the same bytes */
  uint8_t *again;
  size_t again_len;
  CHECK(wpio_encode(&back, &again, &again_len) == 0);
  CHECK(again_len == g_len && memcmp(again, g_buf, g_len) == 0);
  free(again);
  wpio_job_free(&back);
  return 0;
}

static int test_empty_job(void) {
  struct wpio_job a, b;
  uint8_t *buf;
  size_t len;
  char err[256];
  wpio_job_init(&a);
  wpio_job_init(&b);
  CHECK(wpio_encode(&a, &buf, &len) == 0);
  CHECK(wpio_decode(buf, len, &b, err, sizeof err) == 0);
  CHECK(is_empty(&b));
  free(buf);
  return 0;
}

static int test_crc_known_value(void) {
  CHECK(wpio_crc32((const uint8_t *)"123456789", 9) == 0xCBF43926u);
  CHECK(wpio_crc32(NULL, 0) == 0);
  /* CRC-32C (wire version 5 on): the check value of RFC 3720, with and without the CPU's instruction,
   * at every length and alignment the 8-byte loops and their tails see */
  CHECK(wpio_crc32c((const uint8_t *)"123456789", 9) == 0xE3069283u);
  CHECK(wpio_crc32c_portable((const uint8_t *)"123456789", 9) == 0xE3069283u);
  CHECK(wpio_crc32c(NULL, 0) == 0);
  uint8_t bytes[64];
  for (size_t i = 0; i < sizeof bytes; i++) bytes[i] = (uint8_t)(i * 37u + 11u);
  for (size_t off = 0; off < 8; off++)
    for (size_t n = 0; off + n <= sizeof bytes; n++)
      CHECK(wpio_crc32c(bytes + off, n) == wpio_crc32c_portable(bytes + off, n));
  CHECK(wpio_wire_checksum(4, (const uint8_t *)"123456789", 9) == 0xCBF43926u);
  CHECK(wpio_wire_checksum(5, (const uint8_t *)"123456789", 9) == 0xE3069283u);
  return 0;
}

static int test_truncations(void) {
  for (size_t l = 0; l < g_len; l++)
    if (expect_fail(g_buf, l, NULL)) return 1;
  CHECK(expect_fail(NULL, 0, NULL) == 0);
  return 0;
}

/* Every byte flipped: the header fields are checked directly, the payload by the CRC. Only the
 * two flag bytes (reserved, ignored by version 1) may still decode. */
static int test_byte_flips(void) {
  uint8_t *m = malloc(g_len);
  CHECK(m);
  for (size_t i = 0; i < g_len; i++) {
    memcpy(m, g_buf, g_len);
    m[i] ^= (uint8_t)(1u << (i % 8));
    if (i == 6 || i == 7) continue;
    if (expect_fail(m, g_len, NULL)) return 1;
  }
  free(m);
  return 0;
}

/* Random mutations with the CRC fixed up, so the structural checks themselves are exercised; they
 * must never crash or read out of bounds (ASan), whatever they conclude. */
static int test_fuzz_valid_crc(void) {
  uint8_t *m = malloc(g_len);
  uint64_t seed = 12345;
  CHECK(m);
  int decoded = 0;
  /* half of the runs spare the long name strings, so most mutations hit lengths, counts and ids */
  size_t names_end = find_section(g_buf, g_len, 1) + SEC_HEAD + (size_t)load_le(g_buf + HDR + 2, 8);
  CHECK(find_section(g_buf, g_len, 1) == HDR && names_end < g_len);
  for (int it = 0; it < 4000; it++) {
    memcpy(m, g_buf, g_len);
    int flips = 1 + (int)(wptest_rand(&seed) % 8);
    size_t from = (it & 2) ? names_end : HDR;
    for (int f = 0; f < flips; f++) {
      size_t at = from + wptest_rand(&seed) % (g_len - from);
      m[at] = (it & 1) ? (uint8_t)wptest_rand(&seed) : (uint8_t)(m[at] ^ 0xff);
    }
    fix_crc(m, g_len);
    struct wpio_job j;
    char err[256];
    wpio_job_init(&j);
    if (wpio_decode(m, g_len, &j, err, sizeof err) == 0) decoded++;
    else CHECK(err[0] && is_empty(&j));
    wpio_job_free(&j);
  }
  printf("     %d of 4000 structural mutations still decoded (values changed, structure intact)\n", decoded);
  free(m);
  return 0;
}

static int test_newer_version(void) {
  uint8_t *m = malloc(g_len);
  CHECK(m);
  memcpy(m, g_buf, g_len);
  store_le(m + 4, WPIO_WIRE_VERSION + 1, 2);
  char want[64];
  snprintf(want, sizeof want, "unsupported wire version %u", WPIO_WIRE_VERSION + 1);
  CHECK(expect_fail(m, g_len, want) == 0);
  m[0] = 'X';
  CHECK(expect_fail(m, g_len, "magic") == 0);
  free(m);
  return 0;
}

/* A row count that lies while the CRC is valid: the fixed tables check length == count * size,
 * the variable ones bound the count by the bytes present before allocating anything. */
static int test_lying_counts(void) {
  static const unsigned tags[] = {1, 2, 3, 4, 5, 6, 7, 8, 9};
  static const uint32_t lies[] = {0, 1, 0x7fffffffu, 0xffffffffu};
  uint8_t *m = malloc(g_len);
  CHECK(m);
  for (size_t t = 0; t < sizeof tags / sizeof tags[0]; t++) {
    size_t at = find_section(g_buf, g_len, tags[t]);
    CHECK(at != 0);
    uint32_t real = (uint32_t)load_le(g_buf + at + SEC_HEAD, 4);
    for (size_t k = 0; k < sizeof lies / sizeof lies[0]; k++) {
      uint32_t lie = lies[k] == 1 ? real + 1 : lies[k];
      if (lie == real) continue;
      memcpy(m, g_buf, g_len);
      store_le(m + at + SEC_HEAD, lie, 4);
      fix_crc(m, g_len);
      if (expect_fail(m, g_len, NULL)) return 1;
    }
    /* a section length that runs past the payload */
    memcpy(m, g_buf, g_len);
    store_le(m + at + 2, UINT64_MAX - 3, 8);
    fix_crc(m, g_len);
    if (expect_fail(m, g_len, "runs past")) return 1;
  }
  free(m);
  return 0;
}

/* Ids and enums are checked after all sections are read. */
static int test_bad_ids(void) {
  uint8_t *m = malloc(g_len);
  CHECK(m);
  size_t k = find_section(g_buf, g_len, 5) + SEC_HEAD + 4; /* first kernel row */
  memcpy(m, g_buf, g_len);
  store_le(m + k + 8, 5, 4); /* name_id == number of names */
  fix_crc(m, g_len);
  CHECK(expect_fail(m, g_len, "name_id 5") == 0);
  memcpy(m, g_buf, g_len);
  store_le(m + k + 12, WPIO_KIND_COUNT, 4);
  fix_crc(m, g_len);
  CHECK(expect_fail(m, g_len, "kind") == 0);
  size_t h = find_section(g_buf, g_len, 8) + SEC_HEAD + 4; /* first hist row */
  memcpy(m, g_buf, g_len);
  store_le(m + h + 8, WPIO_HIST_BUCKETS, 4);
  fix_crc(m, g_len);
  CHECK(expect_fail(m, g_len, "bucket") == 0);
  size_t mp = find_section(g_buf, g_len, 9) + SEC_HEAD + 4; /* first mpi row */
  memcpy(m, g_buf, g_len);
  store_le(m + mp + 8, 5, 4);
  fix_crc(m, g_len);
  CHECK(expect_fail(m, g_len, "mpi row 0: name_id 5") == 0);
  /* a name string whose length exceeds the limit */
  size_t n = find_section(g_buf, g_len, 1) + SEC_HEAD + 4;
  memcpy(m, g_buf, g_len);
  store_le(m + n, WPIO_WIRE_MAX_STRING + 1, 4);
  fix_crc(m, g_len);
  CHECK(expect_fail(m, g_len, "exceeds") == 0);
  free(m);
  return 0;
}

/* A job whose two names are equal on the wire is refused. */
static int test_duplicate_names(void) {
  struct wpio_job a;
  uint8_t *buf;
  size_t len;
  wpio_job_init(&a);
  CHECK(wpio_strtab_intern(&a.names, "abc", 3) == 0);
  CHECK(wpio_strtab_intern(&a.names, "abd", 3) == 1);
  CHECK(wpio_encode(&a, &buf, &len) == 0);
  wpio_job_free(&a);
  size_t n = find_section(buf, len, 1) + SEC_HEAD + 4;
  CHECK(buf[n + 4 + 2] == 'c' && buf[n + 4 + 3 + 4 + 2] == 'd');
  buf[n + 4 + 3 + 4 + 2] = 'c';
  fix_crc(buf, len);
  CHECK(expect_fail(buf, len, "repeats") == 0);
  free(buf);
  return 0;
}

/* A section with an unknown tag (from a newer writer) is skipped. */
static int test_unknown_section(void) {
  size_t extra = SEC_HEAD + 7, len = g_len + extra;
  uint8_t *m = malloc(len);
  CHECK(m);
  memcpy(m, g_buf, g_len);
  store_le(m + g_len, 999, 2);
  store_le(m + g_len + 2, 7, 8);
  memcpy(m + g_len + SEC_HEAD, "future!", 7);
  store_le(m + 8, len - HDR, 8);
  fix_crc(m, len);
  struct wpio_job j;
  char err[256];
  wpio_job_init(&j);
  CHECK(wpio_decode(m, len, &j, err, sizeof err) == 0);
  CHECK(compare_jobs(&g_job, &j) == 0);
  wpio_job_free(&j);
  /* the same section duplicated is refused */
  size_t at = find_section(g_buf, g_len, 4), slen = SEC_HEAD + (size_t)load_le(g_buf + at + 2, 8);
  uint8_t *d = malloc(g_len + slen);
  CHECK(d);
  memcpy(d, g_buf, g_len);
  memcpy(d + g_len, g_buf + at, slen);
  store_le(d + 8, g_len + slen - HDR, 8);
  fix_crc(d, g_len + slen);
  CHECK(expect_fail(d, g_len + slen, "twice") == 0);
  free(d);
  free(m);
  return 0;
}

/* Data from a writer before the MPI table (no section 9) decodes, with no /mpi rows; and a reader
 * before it skips the section like any unknown one (test_unknown_section). */
static int test_mpi_section_optional(void) {
  size_t at = find_section(g_buf, g_len, 9), slen = SEC_HEAD + (size_t)load_le(g_buf + at + 2, 8);
  CHECK(at != 0 && g_job.mpi.n == 45);
  uint8_t *m = malloc(g_len);
  CHECK(m);
  memcpy(m, g_buf, at);
  memcpy(m + at, g_buf + at + slen, g_len - at - slen);
  size_t len = g_len - slen;
  store_le(m + 8, len - HDR, 8);
  fix_crc(m, len);
  struct wpio_job j;
  char err[256];
  wpio_job_init(&j);
  CHECK(wpio_decode(m, len, &j, err, sizeof err) == 0);
  CHECK(j.mpi.n == 0 && j.lite_hist.n == g_job.lite_hist.n && j.kernels.n == g_job.kernels.n);
  wpio_job_free(&j);
  free(m);
  return 0;
}

/* Rewrites `buf` in place as an older writer would have: each row of section `tag` (rows of `row`
 * bytes, `n_rows` of them) cut to its first `old_row` bytes. Returns the new length, 0 on a mismatch. */
static size_t cut_rows(uint8_t *buf, size_t len, unsigned tag, size_t row, size_t old_row, size_t n_rows) {
  size_t at = find_section(buf, len, tag), slen = at ? (size_t)load_le(buf + at + 2, 8) : 0;
  if (!at || slen != 4 + n_rows * row) return 0;
  uint8_t *rows = buf + at + SEC_HEAD + 4;
  for (size_t r = 1; r < n_rows; r++) memmove(rows + r * old_row, rows + r * row, old_row);
  size_t after = at + SEC_HEAD + slen, cut = n_rows * (row - old_row);
  memmove(buf + after - cut, buf + after, len - after);
  store_le(buf + at + 2, slen - cut, 8);
  store_le(buf + 8, len - cut - HDR, 8);
  return len - cut;
}

#define STACK_ROW_V4 (4 * 4 + 3 * 8)
#define STACK_ROW_V3 (4 * 4 + 2 * 8)

/* Version 2 data (kernel rows without the launch configuration) still decodes: configuration 0 and
 * graph_id -1. The v4 buffer is rewritten as v2 by cutting each kernel row's last 44 bytes (and each
 * stack row's bytes column, added in v4). */
static int test_version2_kernels(void) {
  const size_t v3_row = 4 * 4 + 5 * 8 + 9 * 4 + 8, v2_row = 4 * 4 + 5 * 8;
  uint8_t *m = malloc(g_len);
  CHECK(m);
  memcpy(m, g_buf, g_len);
  size_t len = cut_rows(m, g_len, 5, v3_row, v2_row, g_job.kernels.n);
  CHECK(len != 0);
  len = cut_rows(m, len, 12, STACK_ROW_V4, STACK_ROW_V3, g_job.stacks.n);
  CHECK(len != 0);
  store_le(m + 4, 2, 2);
  fix_crc(m, len);
  struct wpio_job j;
  char err[256];
  wpio_job_init(&j);
  CHECK(wpio_decode(m, len, &j, err, sizeof err) == 0);
  CHECK(j.kernels.n == g_job.kernels.n && j.memory.n == g_job.memory.n);
  for (size_t i = 0; i < j.kernels.n; i++) {
    CHECK(j.kernels.v[i].total_ns == g_job.kernels.v[i].total_ns && j.kernels.v[i].bytes == g_job.kernels.v[i].bytes);
    CHECK(j.kernels.v[i].graph_id == -1 && j.kernels.v[i].grid_x == 0 && j.kernels.v[i].block_x == 0);
  }
  wpio_job_free(&j);
  /* the same v2 bytes labelled v3 are refused: the row size no longer matches */
  store_le(m + 4, 3, 2);
  fix_crc(m, len);
  CHECK(expect_fail(m, len, "does not match") == 0);
  free(m);
  return 0;
}

/* Version 3 data (stack rows without bytes) still decodes, every row with 0 bytes; the same bytes
 * labelled v4 are refused. */
static int test_version3_stacks(void) {
  uint8_t *m = malloc(g_len);
  CHECK(m);
  memcpy(m, g_buf, g_len);
  size_t len = cut_rows(m, g_len, 12, STACK_ROW_V4, STACK_ROW_V3, g_job.stacks.n);
  CHECK(len != 0 && g_job.stacks.n > 0);
  store_le(m + 4, 3, 2);
  fix_crc(m, len);
  struct wpio_job j;
  char err[256];
  wpio_job_init(&j);
  CHECK(wpio_decode(m, len, &j, err, sizeof err) == 0);
  CHECK(j.stacks.n == g_job.stacks.n && j.kernels.n == g_job.kernels.n);
  int some_bytes = 0;
  for (size_t i = 0; i < j.stacks.n; i++) {
    const struct wpio_stack_row *a = &j.stacks.v[i], *b = &g_job.stacks.v[i];
    CHECK(a->bytes == 0 && a->stack_id == b->stack_id && a->calls == b->calls && a->cuda_ns == b->cuda_ns);
    some_bytes |= b->bytes != 0;
  }
  CHECK(some_bytes); /* the original had bytes: not vacuous */
  wpio_job_free(&j);
  store_le(m + 4, 4, 2);
  fix_crc(m, len);
  CHECK(expect_fail(m, len, "does not match") == 0);
  free(m);
  return 0;
}

/* A stack id beyond /names and a memory kind beyond the enum are refused like any bad id. */
static int test_bad_memory_and_stacks(void) {
  for (int which = 0; which < 2; which++) {
    struct wpio_job j;
    wpio_job_init(&j);
    CHECK(wpio_strtab_intern(&j.names, "k", 1) == 0);
    if (which == 0) {
      struct wpio_stack_row *st = WPIO_VEC_PUSH(j.stacks);
      CHECK(st);
      *st = (struct wpio_stack_row){0, 0, 5, 0, 1, 1, 0};
    } else {
      struct wpio_memory_row *mr = WPIO_VEC_PUSH(j.memory);
      CHECK(mr);
      *mr = (struct wpio_memory_row){0, 0, 0, 0, WPIO_MEM_KIND_COUNT, 1, 0, 1, 0, 1, 0};
    }
    uint8_t *buf;
    size_t len;
    CHECK(wpio_encode(&j, &buf, &len) == 0);
    CHECK(expect_fail(buf, len, which == 0 ? "stack_id" : "kind") == 0);
    free(buf);
    wpio_job_free(&j);
  }
  return 0;
}

int main(void) {
  int fails = 0;
  RUN(fails, test_crc_known_value);
  RUN(fails, test_round_trip);
  if (fails) return 1; /* everything below mutates the round-trip buffer */
  RUN(fails, test_empty_job);
  RUN(fails, test_truncations);
  RUN(fails, test_byte_flips);
  RUN(fails, test_fuzz_valid_crc);
  RUN(fails, test_newer_version);
  RUN(fails, test_lying_counts);
  RUN(fails, test_bad_ids);
  RUN(fails, test_duplicate_names);
  RUN(fails, test_unknown_section);
  RUN(fails, test_mpi_section_optional);
  RUN(fails, test_version2_kernels);
  RUN(fails, test_version3_stacks);
  RUN(fails, test_bad_memory_and_stacks);
  free(g_buf);
  wpio_job_free(&g_job);
  return fails ? 1 : 0;
}
