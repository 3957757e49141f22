/* libFuzzer target: the writer's is-it-a-report check (h5w_root_has_attr, which rank 0 runs on
 * whatever file sits at the report path, without libhdf5), then the HDF5 report reader
 * (wpio_h5_read_report), on a temporary file holding the fuzz data. libhdf5 itself crashes or
 * hangs on some damaged files (the `wprof` command reads in a forked child for that reason); those
 * crashes are listed in tests/fuzz/README.md. Our own code, every check after libhdf5 returns, must
 * never crash. */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <hdf5.h>

#include "fuzz_file.h"
#include "h5_file.h"
#include "wpio_h5.h"
#include "wpio_job.h"

static char path[64];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (!path[0]) {
    snprintf(path, sizeof path, "/tmp/wprof-fuzz-h5-%ld.h5", (long)getpid());
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
  }
  if (fuzz_write_file(path, data, size) != 0) return 0;
  int fd = open(path, O_RDONLY);
  if (fd >= 0) {
    (void)h5w_root_has_attr(fd, (uint64_t)size, "schema_version");
    close(fd);
  }
  struct wpio_job job;
  char err[1024];
  wpio_job_init(&job);
  if (wpio_h5_read_report(path, &job, err, sizeof err) == 0) wpio_job_summarize(&job);
  wpio_job_free(&job);
  unlink(path);
  return 0;
}
