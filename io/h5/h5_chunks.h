/* Bulk tables written chunk by chunk, shuffled and deflated by wprof itself (h5_chunks.c). */
#ifndef H5_CHUNKS_H
#define H5_CHUNKS_H

#include <hdf5.h>
#include <stddef.h>

/* Whether rows of the file type `ftype` can be written as raw chunks: not with variable-length
 * strings, whose file form is a heap reference only HDF5's own write path can make. */
int h5c_direct_ok(hid_t ftype);

/* Writes n rows (memory type mtype) into the chunked dataset d from its row `at` (a multiple of
 * chunk_rows) on; d was created with chunks of chunk_rows rows and the filters shuffle, then deflate
 * when `deflate` (exactly that pipeline), and is at least at + n rows long. 0, or -1. */
int h5c_write_chunks(hid_t d, hid_t ftype, hid_t mtype, const void *rows, size_t n, hsize_t at,
                     size_t chunk_rows, int deflate);

#endif
