/* Unit test of the wire format's compatibility: data of older writers (version 2 kernel rows, version
 * 3 stack rows, version 5 window rows, no MPI section) still decodes with defaults for what they lacked, the same bytes
 * labelled with a newer version are refused, and out-of-range memory kinds and stack ids are refused.
 * Each case rewrites the encoded buffer of one full job (test_io_wire.c checks its round trip). */
#include <stdlib.h>
#include <string.h>

#include "wptest_wire.h"

static struct wpio_job g_job;
static uint8_t *g_buf;
static size_t g_len;

/* The buffer every case rewrites: the full job, encoded. */
static int encode_full_job(void) {
  wpio_job_init(&g_job);
  CHECK(build_job(&g_job) == 0);
  CHECK(wpio_encode(&g_job, &g_buf, &g_len) == 0);
  CHECK(g_len > 9000 && memcmp(g_buf, "WPRK", 4) == 0);
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
#define WINDOW_ROW_V6 (4 + 4 + 3 * 8 + 4)
#define WINDOW_ROW_V5 (4 + 4 + 3 * 8)
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
  len = cut_rows(m, len, 4, WINDOW_ROW_V6, WINDOW_ROW_V5, g_job.windows.n);
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
  len = cut_rows(m, len, 4, WINDOW_ROW_V6, WINDOW_ROW_V5, g_job.windows.n);
  CHECK(len != 0);
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

/* Version 5 data (window rows without cut_short) still decodes, every window not cut short; the
 * same bytes labelled v6 are refused. */
static int test_version5_windows(void) {
  uint8_t *m = malloc(g_len);
  CHECK(m);
  memcpy(m, g_buf, g_len);
  size_t len = cut_rows(m, g_len, 4, WINDOW_ROW_V6, WINDOW_ROW_V5, g_job.windows.n);
  CHECK(len != 0);
  store_le(m + 4, 5, 2);
  fix_crc(m, len);
  struct wpio_job j;
  char err[256];
  wpio_job_init(&j);
  CHECK(wpio_decode(m, len, &j, err, sizeof err) == 0);
  CHECK(j.windows.n == g_job.windows.n && j.kernels.n == g_job.kernels.n);
  int some_cut = 0;
  for (size_t i = 0; i < j.windows.n; i++) {
    const struct wpio_window_row *a = &j.windows.v[i], *b = &g_job.windows.v[i];
    CHECK(a->cut_short == 0 && a->steps == b->steps && a->end_ns == b->end_ns && a->rank == b->rank);
    some_cut |= b->cut_short != 0;
  }
  CHECK(some_cut); /* the original had a window cut short: not vacuous */
  wpio_job_free(&j);
  store_le(m + 4, 6, 2);
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
  RUN(fails, encode_full_job);
  if (fails) return 1; /* everything below rewrites the encoded buffer */
  RUN(fails, test_mpi_section_optional);
  RUN(fails, test_version2_kernels);
  RUN(fails, test_version3_stacks);
  RUN(fails, test_version5_windows);
  RUN(fails, test_bad_memory_and_stacks);
  free(g_buf);
  wpio_job_free(&g_job);
  return fails ? 1 : 0;
}
