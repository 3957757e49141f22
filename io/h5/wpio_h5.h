/* The HDF5 side of io: the writer lives in the plugin libwprof_h5.so, which rank 0 of a profiled job
 * dlopens (libwprof itself never links HDF5); the reader is a static library for the tools. */
#ifndef WPIO_H5_H
#define WPIO_H5_H

#include <stddef.h>
#include "wpio_job.h"
#include "wpio_presence.h"

#ifdef __cplusplus
extern "C" {
#endif

#define WPIO_H5_PLUGIN_NAME "libwprof_h5.so"
#define WPIO_H5_WRITE_SYMBOL "wpio_h5_write_report"

/* wpio_h5_write_report flags. */
#define WPIO_H5_OVERWRITE 1u /* replace whatever is at the path (not a directory): WPROF_OVERWRITE=1 */

/* Writes `job` (summaries already computed) as schema v1 to `path`, through a new temporary file in
 * the same directory (O_EXCL | O_NOFOLLOW) that is renamed into place once closed. Without
 * WPIO_H5_OVERWRITE only a missing path or an existing wprof report (an HDF5 file with our
 * schema_version attribute) is replaced: another file, a symlink or a FIFO there is refused.
 * Returns 0, or -1 with a one-line reason in `err`. */
typedef int (*wpio_h5_write_fn)(const struct wpio_job *job, const char *path, unsigned flags, char *err,
                                size_t errlen);
int wpio_h5_write_report(const struct wpio_job *job, const char *path, unsigned flags, char *err,
                         size_t errlen);

/* A report written part by part (rank 0's merged rows past WPROF_GATHER_MAX_MB): the per-rank row
 * tables grow as parts are appended and leave memory; the rest is written at the close.
 *   open   checks and creates the temporary file as wpio_h5_write_report does
 *   rows   appends the row tables of `part` (whose names index part->names, the job's own)
 *   close  appends any rows left in `job`, writes its attributes, names, ranks, summaries (computed
 *          over all parts) and stragglers, and renames the file into place; frees the stream
 *   discard removes the temporary file and frees the stream
 * Each returns 0 (open: the stream), or -1 / NULL with a one-line reason in `err`. */
struct wpio_h5_stream;
#define WPIO_H5_STREAM_OPEN_SYMBOL "wpio_h5_stream_open"
#define WPIO_H5_STREAM_ROWS_SYMBOL "wpio_h5_stream_rows"
#define WPIO_H5_STREAM_CLOSE_SYMBOL "wpio_h5_stream_close"
#define WPIO_H5_STREAM_DISCARD_SYMBOL "wpio_h5_stream_discard"
struct wpio_h5_stream *wpio_h5_stream_open(const char *path, unsigned flags, char *err, size_t errlen);
int wpio_h5_stream_rows(struct wpio_h5_stream *s, const struct wpio_job *part, char *err, size_t errlen);
int wpio_h5_stream_close(struct wpio_h5_stream *s, const struct wpio_job *job, char *err, size_t errlen);
void wpio_h5_stream_discard(struct wpio_h5_stream *s);

/* Reads a report written by any wprof of this schema into `job` (freshly initialised).
 * Returns 0, or -1 with one clear line in `err`: missing file, not HDF5, not a wprof report,
 * newer schema_version, or a damaged table. */
int wpio_h5_read_report(const char *path, struct wpio_job *job, char *err, size_t errlen);

/* wpio_h5_read_report flags. */
#define WPIO_H5_READ_HEAD_ONLY 1u /* attributes (and /meta), /names, /ranks and /windows only */
int wpio_h5_read_report_flags(const char *path, struct wpio_job *job, unsigned flags, char *err,
                              size_t errlen);

/* Attribute of each per-rank table: int32 [lo0, hi0, lo1, hi1, ...], the sorted spans of ranks that
 * have rows in it; absent from empty tables and from those with more than H5S_RANK_SPANS_MAX spans. */
#define WPIO_H5_RANK_SPANS_ATTR "rank_spans"

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
