/* Rank 0's assembly of gathered data, on real packed buffers: a rank that sent nothing is `missing`,
 * a rank whose bytes are damaged or claim another rank is `corrupt`, and every other rank's rows
 * are kept with their names remapped into one dictionary. */
#include <stdlib.h>
#include <string.h>

#include "report_merge.h"
#include "wptest_check.h"
#include "wpio_wire.h"

/* One rank's packed tables: a window and a range (whose row claims `row_rank`). */
static uint8_t *pack_rank_rows(int rank, int row_rank, const char *range_name, size_t *len) {
  struct wpio_job job;
  wpio_job_init(&job);
  struct wpio_rank_row *r = WPIO_VEC_PUSH(job.ranks);
  r->rank = rank;
  r->hostname = strdup("node-a");
  r->status = strdup(WPIO_STATUS_OK);
  r->pid = 1000 + rank;
  r->collected = 1;
  uint32_t id = wpio_strtab_intern(&job.names, range_name, strlen(range_name));
  struct wpio_window_row *w = WPIO_VEC_PUSH(job.windows);
  *w = (struct wpio_window_row){.rank = rank, .window = 0, .start_ns = 100, .end_ns = 200, .steps = 3};
  struct wpio_range_row *g = WPIO_VEC_PUSH(job.ranges);
  *g = (struct wpio_range_row){.rank = row_rank, .window = 0, .name_id = id, .calls = 3,
                               .cpu_total_ns = 30 + (uint64_t)rank, .cpu_self_ns = 30 + (uint64_t)rank};
  uint8_t *buf = NULL;
  if (wpio_encode(&job, &buf, len) != 0) buf = NULL;
  wpio_job_free(&job);
  return buf;
}

static uint8_t *pack_rank(int rank, const char *range_name, size_t *len) {
  return pack_rank_rows(rank, rank, range_name, len);
}

static const char *status_of(const struct wpio_job *job, int rank) {
  for (size_t i = 0; i < job->ranks.n; i++)
    if (job->ranks.v[i].rank == rank) return job->ranks.v[i].status;
  return "absent";
}

static int test_missing_and_corrupt_ranks(void) {
  enum { WORLD = 5 };
  uint8_t *bufs[WORLD];
  size_t lens[WORLD];
  const char *names[WORLD] = {"fwd", "bwd", "fwd", "opt", "fwd"};
  for (int r = 0; r < WORLD; r++) bufs[r] = pack_rank(r, names[r], &lens[r]);
  CHECK(bufs[0] && bufs[1] && bufs[2] && bufs[3] && bufs[4]);
  free(bufs[1]);
  bufs[1] = NULL;                       /* rank 1 never delivered */
  bufs[2][lens[2] / 2] ^= 0x5a;         /* rank 2's bytes are damaged in flight */
  uint8_t *swapped = bufs[3];           /* rank 3's slot holds rank 4's valid data */
  bufs[3] = pack_rank(4, "opt", &lens[3]);
  free(swapped);

  struct wpio_job job;
  wpio_job_init(&job);
  wpr_report_assemble(&job, bufs, lens, WORLD);
  CHECK(job.ranks.n == WORLD);
  CHECK(strcmp(status_of(&job, 0), "ok") == 0);
  CHECK(strcmp(status_of(&job, 1), "missing") == 0);
  CHECK(strcmp(status_of(&job, 2), "corrupt") == 0);
  CHECK(strcmp(status_of(&job, 3), "corrupt") == 0);
  CHECK(strcmp(status_of(&job, 4), "ok") == 0);
  /* only ranks 0 and 4 contribute rows; both ranges named "fwd" share one name id */
  CHECK(job.windows.n == 2 && job.ranges.n == 2);
  CHECK(job.ranges.v[0].name_id == job.ranges.v[1].name_id);
  CHECK(strcmp(job.names.s[job.ranges.v[0].name_id], "fwd") == 0);
  CHECK(job.ranges.v[0].rank == 0 && job.ranges.v[1].rank == 4 && job.ranges.v[1].cpu_total_ns == 34);
  CHECK(wpio_job_summarize(&job) == 0 && job.sum_ranges.n == 1 && job.sum_ranges.v[0].ranks_present == 2);
  wpio_job_free(&job);
  for (int r = 0; r < WORLD; r++) free(bufs[r]);
  return 0;
}

/* Valid bytes whose /ranges row speaks for another rank: the rank is corrupt, rank 0's rows stay. */
static int test_rows_of_another_rank(void) {
  uint8_t *bufs[2];
  size_t lens[2];
  bufs[0] = pack_rank(0, "fwd", &lens[0]);
  bufs[1] = pack_rank_rows(1, 0, "fwd", &lens[1]);
  CHECK(bufs[0] && bufs[1]);
  struct wpio_job job;
  wpio_job_init(&job);
  wpr_report_assemble(&job, bufs, lens, 2);
  CHECK(strcmp(status_of(&job, 0), "ok") == 0 && strcmp(status_of(&job, 1), "corrupt") == 0);
  CHECK(job.ranges.n == 1 && job.ranges.v[0].rank == 0 && job.windows.n == 1);
  wpio_job_free(&job);
  free(bufs[0]);
  free(bufs[1]);
  return 0;
}

int main(void) {
  int fails = 0;
  RUN(fails, test_missing_and_corrupt_ranks);
  RUN(fails, test_rows_of_another_rank);
  return fails ? 1 : 0;
}
