/* The packed wire format of a job (one rank's tables on the way to rank 0, spill files): versioned,
 * CRC-checked, and every length and id is checked by the decoder, which never trusts its input. */
#ifndef WPIO_WIRE_H
#define WPIO_WIRE_H

#include <stddef.h>
#include <stdint.h>
#include "wpio_crc32.h"
#include "wpio_job.h"

#ifdef __cplusplus
extern "C" {
#endif

#define WPIO_WIRE_MAGIC "WPRK"
/* 2: /ranks rows gained clock_ref_ns and timeline_dropped, and the timeline section came in */
/* 3: /kernels rows gained the launch configuration and graph_id; memory and stacks sections */
/* 4: /stacks rows gained bytes (allocation stacks) */
/* 5: the payload checksum is CRC-32C */
/* 6: /windows rows gained cut_short (a window recovered from an open-window spill) */
#define WPIO_WIRE_VERSION 6
#define WPIO_WIRE_MAX_STRING (1u << 20) /* 1 MiB: longer names are refused as corrupt */

/* Packs every table of `job` (summaries are not packed: they are recomputed after merging).
 * On success *buf is malloc'ed (caller frees) and 0 is returned; -1 when out of memory or when a
 * string is longer than WPIO_WIRE_MAX_STRING (the decoder would refuse it). */
int wpio_encode(const struct wpio_job *job, uint8_t **buf, size_t *len);
/* The same into a buffer the caller keeps between encodes: *buf (malloc'ed, or NULL) holds *cap bytes
 * and is grown (realloc) only when the job needs more, so a job no larger than an earlier one is packed
 * without touching fresh memory. On success the first *len bytes are the packed job and 0 is returned;
 * on -1 (as wpio_encode) *len is 0. Either way *buf and *cap describe the buffer, which the caller
 * frees. */
int wpio_encode_into(const struct wpio_job *job, uint8_t **buf, size_t *cap, size_t *len);

/* Decodes `buf` into `job` (which must be empty: initialised, or cleared). Returns 0, or -1 with a
 * one-line reason in `err` (truncated, bad magic, unsupported version, checksum, bad length or id); on error
 * `job` holds nothing that needs more than wpio_job_free. */
int wpio_decode(const uint8_t *buf, size_t len, struct wpio_job *job, char *err, size_t errlen);

#ifdef __cplusplus
}
#endif
#endif
