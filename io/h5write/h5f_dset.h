/* One table as an HDF5 dataset (h5f_dset.c): a 1-D dataset of the table's packed compound rows (or of
 * strings, for /names), contiguous, or chunked with shuffle + deflate (libdeflate) and a version-1
 * B-tree chunk index, which every HDF5 >= 1.8 reads, extendible when streamed. */
#ifndef H5F_DSET_H
#define H5F_DSET_H

#include <stddef.h>
#include <stdint.h>

#include "h5_schema.h"
#include "h5f_out.h"

/* A table's rows in their memory layout: an array, or made on demand by fill (rows [first, first + k)
 * into out), for a table whose file rows come from other structs: a few rows at a time, so no copy
 * of a whole table is ever made. */
struct h5f_src {
  const void *rows; /* the array; NULL: fill */
  void (*fill)(const void *ctx, size_t first, size_t k, void *out);
  const void *ctx;
};

struct h5f_chunk_ref {
  uint64_t addr;
  uint32_t nbytes, mask; /* mask bit 1: deflate skipped (the chunk did not shrink) */
};

#define H5F_MAX_RUNS 32 /* a table has at most this many columns */

struct h5f_dset {
  const struct h5s_table *t; /* NULL: a dataset of strings, whose rows are `const char *` */
  size_t fsize;              /* bytes of a row in the file */
  size_t msize;              /* bytes of a row in memory */
  uint64_t nrows;
  int chunked, extendible;
  uint64_t addr;             /* contiguous: the data (H5F_UNDEF when empty) */
  struct h5f_chunk_ref *chunks;
  size_t nchunks, cap;
  unsigned char *packed, *shuffled, *zbuf;
  size_t zcap;
  struct libdeflate_compressor *z;
  /* the file row as runs of bytes copied from the memory row (columns adjacent in both) or
   * string references, built once: packing is a few memcpy per row */
  struct h5f_run {
    uint32_t from, len;
    int is_str;
  } runs[H5F_MAX_RUNS];
  size_t nruns;
  int32_t *spans;            /* the rank_spans attribute, 2 values per span; NULL: none */
  size_t nspans;
};

/* chunked: H5S_CHUNK_ROWS rows per chunk; extendible: the maximum size is unlimited. 0, or -1. */
int h5f_dset_init(struct h5f_dset *d, const struct h5s_table *t, int chunked, int extendible);
/* Contiguous: all n rows at once (their strings first, then the rows, packed straight into the
 * file's window piece by piece). 0, or -1. */
int h5f_dset_contiguous(struct h5f_out *o, struct h5f_dset *d, const struct h5f_src *src, size_t n);
/* Chunked: n more rows, rows [first, first + n) of src, in whole chunks unless they are the
 * dataset's last. 0, or -1. */
int h5f_dset_chunks(struct h5f_out *o, struct h5f_dset *d, const struct h5f_src *src, size_t first, size_t n);
/* The chunk index and the object header; the header's address, or H5F_UNDEF. Frees d. */
uint64_t h5f_dset_finish(struct h5f_out *o, struct h5f_dset *d);
void h5f_dset_free(struct h5f_dset *d);

#endif
