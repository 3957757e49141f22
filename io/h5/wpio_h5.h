/* The reader of the HDF5 report, a static library for the tools (on libhdf5). The writer, which
 * writes the format itself and loads no libhdf5, is declared in wpio_h5write.h (included here). */
#ifndef WPIO_H5_H
#define WPIO_H5_H

#include <stddef.h>
#include "wpio_job.h"
#include "wpio_presence.h"
#include "wpio_h5write.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Reads a report written by any wprof of this schema into `job` (freshly initialised).
 * Returns 0, or -1 with one clear line in `err`: missing file, not HDF5, not a wprof report,
 * newer schema_version, or a damaged table. */
int wpio_h5_read_report(const char *path, struct wpio_job *job, char *err, size_t errlen);

/* wpio_h5_read_report flags. */
#define WPIO_H5_READ_HEAD_ONLY 1u /* attributes (and /meta), /names, /ranks and /windows only */
int wpio_h5_read_report_flags(const char *path, struct wpio_job *job, unsigned flags, char *err,
                              size_t errlen);

/* Which ranks have rows in each per-rank table of the report at path (h5_read_presence.c): out[]
 * gets one entry per table (windows, kernels, ranges, lite, mpi, timeline, memory, stacks; a table
 * an older report lacks has 0 rows), from the rank_spans attribute or else the rank column. 0, or -1
 * with one line in err; the caller frees each entry (wpio_presence_free) either way. */
#define WPIO_H5_PRESENCE_TABLES 8
int wpio_h5_read_presence(const char *path, struct wpio_rank_presence *out, char *err, size_t errlen);

#ifdef __cplusplus
}
#endif
#endif
