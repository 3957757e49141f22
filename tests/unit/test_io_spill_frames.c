/* Framed spills (io/spill): a session's first spill written whole, later stops' windows appended as
 * frames. Read back: every frame's windows, the rest (lite, rows of window -1, attributes, the rank
 * row) from the last whole frame only; a torn last frame (a crash mid-append) left out; an unframed
 * spill of an earlier wprof still read; a spill whose first frame is torn refused. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "wpio_spill.h"
#include "wpio_wire.h"
#include "wptest_check.h"

#define OK(cond) EXPECT(cond, "%s", "")

/* What rank 3 has after stop k (0-based): window k's rows, and the cumulative tables at their
 * k-th state (lite calls and the window -1 MPI calls are k + 1). */
static void stop_state(struct wpio_job *j, int k, int whole) {
  wpio_job_init(j);
  wpio_job_set_attr_int(j, "world_size", 4);
  wpio_job_set_attr_int(j, "stops_seen", k + 1);
  struct wpio_rank_row *r = WPIO_VEC_PUSH(j->ranks);
  *r = (struct wpio_rank_row){.rank = 3, .hostname = strdup("h"), .status = strdup(WPIO_STATUS_OK), .device = -1};
  uint32_t kern = wpio_strtab_intern(&j->names, "kern", 4), mpi = wpio_strtab_intern(&j->names, "MPI_Send", 8);
  uint32_t scope = wpio_strtab_intern(&j->names, "scope", 5);
  for (int w = whole ? 0 : k; w <= k; w++) {
    *WPIO_VEC_PUSH(j->windows) = (struct wpio_window_row){3, w, 100 * w, 100 * w + 50, 10 + w};
    *WPIO_VEC_PUSH(j->kernels) = (struct wpio_kernel_row){.rank = 3, .window = w, .name_id = kern, .calls = 5u + w,
                                                           .graph_id = -1};
    *WPIO_VEC_PUSH(j->mpi) = (struct wpio_mpi_row){.rank = 3, .window = w, .name_id = mpi, .calls = 7u + w};
  }
  *WPIO_VEC_PUSH(j->mpi) = (struct wpio_mpi_row){.rank = 3, .window = -1, .name_id = mpi, .calls = (uint64_t)k + 1};
  *WPIO_VEC_PUSH(j->lite) = (struct wpio_lite_row){.rank = 3, .name_id = scope, .calls = (uint64_t)k + 1};
}

static void write_state(const char *dir, int k, int append) {
  struct wpio_job j;
  stop_state(&j, k, !append);
  uint8_t *buf;
  size_t len;
  char err[256];
  OK(wpio_encode(&j, &buf, &len) == 0);
  OK((append ? wpio_spill_append(dir, 3, buf, len, err, sizeof err) : wpio_spill_write(dir, 3, buf, len, err, sizeof err)) == 0);
  free(buf);
  wpio_job_free(&j);
}

/* The spill read back holds windows 0..last, their rows once each, and the state of stop `last`. */
static void check_read(const char *dir, int last) {
  struct wpio_job j;
  wpio_job_init(&j);
  char err[256] = "";
  int rc = wpio_spill_read_in(dir, 3, &j, err, sizeof err);
  EXPECT(rc == 0, "%s", err);
  OK(j.windows.n == (size_t)last + 1 && j.kernels.n == (size_t)last + 1);
  for (int w = 0; w <= last && w < (int)j.windows.n; w++) {
    OK(j.windows.v[w].window == w && j.windows.v[w].steps == 10 + w);
    OK(j.kernels.v[w].window == w && j.kernels.v[w].calls == 5u + (uint64_t)w);
    OK(strcmp(j.names.s[j.kernels.v[w].name_id], "kern") == 0);
  }
  size_t minus1 = 0;
  for (size_t i = 0; i < j.mpi.n; i++)
    if (j.mpi.v[i].window < 0) {
      minus1++;
      OK(j.mpi.v[i].calls == (uint64_t)last + 1);
    }
  OK(minus1 == 1 && j.mpi.n == (size_t)last + 2);
  OK(j.lite.n == 1 && j.lite.v[0].calls == (uint64_t)last + 1);
  OK(j.ranks.n == 1);
  const struct wpio_attr *a = wpio_job_attr(&j, "stops_seen");
  OK(a && a->ival == last + 1);
  wpio_job_free(&j);
}

int main(void) {
  char dir[] = "/tmp/wprof-spill-frames-XXXXXX";
  OK(mkdtemp(dir) != NULL);
  char path[256];
  snprintf(path, sizeof path, "%s/rank-3.wpb", dir);
  char err[256];

  write_state(dir, 0, 0);
  check_read(dir, 0);
  write_state(dir, 1, 1);
  write_state(dir, 2, 1);
  check_read(dir, 2);

  /* a crash while appending stop 2's frame: the file ends inside it */
  FILE *f = fopen(path, "rb");
  OK(f && fseek(f, 0, SEEK_END) == 0);
  long size = ftell(f);
  fclose(f);
  OK(truncate(path, size - 7) == 0);
  check_read(dir, 1);

  /* a new session's first spill replaces the frames */
  write_state(dir, 0, 0);
  check_read(dir, 0);

  /* an earlier wprof's spill: one unframed pack */
  struct wpio_job j;
  stop_state(&j, 1, 1);
  uint8_t *buf;
  size_t len;
  OK(wpio_encode(&j, &buf, &len) == 0);
  wpio_job_free(&j);
  f = fopen(path, "wb");
  OK(f && fwrite(buf, 1, len, f) == len);
  fclose(f);
  free(buf);
  check_read(dir, 1);

  /* the first frame torn: nothing to read */
  write_state(dir, 0, 0);
  OK(truncate(path, 30) == 0);
  wpio_job_init(&j);
  OK(wpio_spill_read_in(dir, 3, &j, err, sizeof err) < 0);
  wpio_job_free(&j);

  OK(wpio_spill_remove_all(dir, err, sizeof err) == 0);
  rmdir(dir);
  return wptest_failures() != 0;
}
