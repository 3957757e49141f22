/* The HDF5 report writer (io/h5write): writes schema v1 in the HDF5 file format itself, with no
 * libhdf5 (only libdeflate), so a profiled job loads no HDF5 library; libwprof links it, and so
 * does `wprof recover`. Every HDF5 >= 1.8 reads what it writes (docs/report-schema.md says how). */
#ifndef WPIO_H5WRITE_H
#define WPIO_H5WRITE_H

#include <stddef.h>
#include "wpio_job.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Attribute of each per-rank table: int32 [lo0, hi0, lo1, hi1, ...], the sorted spans of ranks that
 * have rows in it; absent from empty tables and from those with more than H5S_RANK_SPANS_MAX (4096) spans. */
#define WPIO_H5_RANK_SPANS_ATTR "rank_spans"

/* wpio_h5_write_report flags. */
#define WPIO_H5_OVERWRITE 1u /* replace whatever is at the path (not a directory): WPROF_OVERWRITE=1 */

/* Writes `job` (summaries already computed) as schema v1 to `path`, through a new temporary file in
 * the same directory (O_EXCL | O_NOFOLLOW) that is renamed into place once closed. Without
 * WPIO_H5_OVERWRITE only a missing path or an existing wprof report (an HDF5 file with our
 * schema_version attribute) is replaced: another file, a symlink or a FIFO there is refused.
 * Returns 0, or -1 with a one-line reason in `err`. */
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
struct wpio_h5_stream *wpio_h5_stream_open(const char *path, unsigned flags, char *err, size_t errlen);
int wpio_h5_stream_rows(struct wpio_h5_stream *s, const struct wpio_job *part, char *err, size_t errlen);
int wpio_h5_stream_close(struct wpio_h5_stream *s, const struct wpio_job *job, char *err, size_t errlen);
void wpio_h5_stream_discard(struct wpio_h5_stream *s);

#ifdef __cplusplus
}
#endif
#endif
