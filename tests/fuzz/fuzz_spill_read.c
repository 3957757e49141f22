/* libFuzzer target: a spill file as `wprof recover` reads it: the bytes go to a temporary file, which
 * wpio_spill_read loads (size cap, no symlinks) and validates as one rank's data. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fuzz_file.h"
#include "wpio_job.h"
#include "wpio_spill.h"

static char path[64];

static void make_path(void) {
  if (path[0]) return;
  snprintf(path, sizeof path, "/tmp/wprof-fuzz-spill-%ld.wpb", (long)getpid());
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  make_path();
  if (fuzz_write_file(path, data, size) != 0) return 0;
  struct wpio_job job;
  char err[512];
  wpio_job_init(&job);
  int rank = size ? data[0] % 4 : 0;
  if (wpio_spill_read(path, rank, &job, err, sizeof err) == 0 && job.ranks.n != 1) abort();
  wpio_job_free(&job);
  /* the in-memory path too, accepting any rank */
  wpio_job_init(&job);
  wpio_spill_decode(data, size, -1, &job, err, sizeof err);
  wpio_job_free(&job);
  unlink(path);
  return 0;
}
