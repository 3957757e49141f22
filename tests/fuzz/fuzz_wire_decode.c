/* libFuzzer target: the packed wire format decoder on arbitrary bytes, then what rank 0 does with a
 * decoded rank (merge into a job, summarize) and a re-encode/decode round trip of what was accepted. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "wpio_job.h"
#include "wpio_wire.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  struct wpio_job part, job;
  char err[256];
  wpio_job_init(&part);
  wpio_job_init(&job);
  if (wpio_decode(data, size, &part, err, sizeof err) == 0) {
    if (wpio_job_merge(&job, &part) == 0) wpio_job_summarize(&job);
    uint8_t *buf = NULL;
    size_t len = 0;
    if (wpio_encode(&part, &buf, &len) == 0) {
      struct wpio_job again;
      wpio_job_init(&again);
      /* what the encoder writes, the decoder must take back */
      if (wpio_decode(buf, len, &again, err, sizeof err) != 0) abort();
      wpio_job_free(&again);
    }
    free(buf);
  } else if (!memchr(err, '\0', sizeof err)) {
    abort(); /* the reason must be a terminated string */
  }
  wpio_job_free(&part);
  wpio_job_free(&job);
  return 0;
}
