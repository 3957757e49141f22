/* Bulk tables written chunk by chunk through H5Dwrite_chunk: the rows are packed to the file's
 * layout (in the same pass as the byte shuffle, or by H5Tconvert when the layouts differ by more than
 * padding), shuffled and deflated here, with libdeflate instead of HDF5's zlib pipeline. The file is the same standard shuffle + deflate dataset that
 * h5dump and h5py read with HDF5's own filters; only the writing is faster: zlib's deflate was two
 * thirds of writing a 4096-rank report (measured), libdeflate's level 1 does the same in a fraction. */
#include "h5_chunks.h"

#include <libdeflate.h>
#include <stdlib.h>
#include <string.h>

/* Filter mask bit of the deflate filter, second in the pipeline after shuffle: set on a chunk whose
 * bytes did not shrink, stored as they are (HDF5's deflate is an optional filter and does the same). */
#define DEFLATE_SKIPPED (1u << 1)

/* Rows per block of the shuffle: a block of rows sits in L1 while each of its bytes is moved. */
#define BLOCK_ROWS 64

struct chunk_bufs {
  unsigned char *conv, *bkg, *shuffled, *packed;
  size_t packed_cap;
  size_t *src_of_byte; /* byte p of a file row is byte src_of_byte[p] of the row in memory */
  struct libdeflate_compressor *deflater;
};

static void bufs_free(struct chunk_bufs *b) {
  free(b->conv);
  free(b->bkg);
  free(b->shuffled);
  free(b->packed);
  free(b->src_of_byte);
  if (b->deflater) libdeflate_free_compressor(b->deflater);
}

/* Where each byte of a packed file row comes from in the memory row, when the file row is the
 * memory row without its padding: same members in the same order, each of the same size and class,
 * little-endian both (true of every wprof table on x86 and arm64). Else 0: HDF5 converts. */
static int byte_map(hid_t ftype, hid_t mtype, size_t *map) {
  int n = H5Tget_nmembers(ftype);
  if (n <= 0 || n != H5Tget_nmembers(mtype)) return 0;
  int same = 1;
  for (int m = 0; m < n && same; m++) {
    hid_t ft = H5Tget_member_type(ftype, (unsigned)m), mt = H5Tget_member_type(mtype, (unsigned)m);
    size_t size = ft >= 0 ? H5Tget_size(ft) : 0;
    same = ft >= 0 && mt >= 0 && size > 0 && size == H5Tget_size(mt) && H5Tget_class(ft) == H5Tget_class(mt) &&
           H5Tget_order(ft) == H5T_ORDER_LE && H5Tget_order(mt) == H5T_ORDER_LE;
    size_t fo = H5Tget_member_offset(ftype, (unsigned)m), mo = H5Tget_member_offset(mtype, (unsigned)m);
    for (size_t k = 0; same && k < size; k++) map[fo + k] = mo + k;
    if (ft >= 0) H5Tclose(ft);
    if (mt >= 0) H5Tclose(mt);
  }
  return same;
}

static int bufs_alloc(struct chunk_bufs *b, hid_t ftype, hid_t mtype, size_t chunk_rows, int deflate) {
  memset(b, 0, sizeof *b);
  size_t mem_size = H5Tget_size(mtype), file_size = H5Tget_size(ftype);
  size_t row = mem_size > file_size ? mem_size : file_size;
  if (row == 0 || chunk_rows > SIZE_MAX / row) return -1;
  size_t nbytes = chunk_rows * file_size;
  b->src_of_byte = malloc(file_size * sizeof *b->src_of_byte);
  if (b->src_of_byte && !byte_map(ftype, mtype, b->src_of_byte)) {
    free(b->src_of_byte);
    b->src_of_byte = NULL;
    b->conv = malloc(chunk_rows * row);
    b->bkg = calloc(chunk_rows, row);
  }
  b->shuffled = malloc(nbytes);
  if (deflate) {
    b->deflater = libdeflate_alloc_compressor(1);
    b->packed_cap = b->deflater ? libdeflate_zlib_compress_bound(b->deflater, nbytes) : 0;
    b->packed = b->packed_cap ? malloc(b->packed_cap) : NULL;
  }
  int ok = (b->src_of_byte || (b->conv && b->bkg)) && b->shuffled && (!deflate || b->packed);
  if (!ok) bufs_free(b);
  return ok ? 0 : -1;
}

/* HDF5's shuffle filter: byte p of row i goes to p * n + i, so like bytes of all rows sit together
 * (the high bytes of counters are mostly zero and deflate to nothing). Rows are `stride` bytes
 * apart in `rows` and byte p is read at src_of_byte[p] (NULL: packed rows, p itself), so packing
 * away the memory rows' padding and shuffling are one pass. Rows k..n-1 are zero. */
static void shuffle(const unsigned char *rows, size_t k, size_t stride, const size_t *src_of_byte, size_t size,
                    unsigned char *out, size_t n) {
  for (size_t i0 = 0; i0 < k; i0 += BLOCK_ROWS) {
    size_t nb = k - i0 < BLOCK_ROWS ? k - i0 : BLOCK_ROWS;
    const unsigned char *block = rows + i0 * stride;
    for (size_t p = 0; p < size; p++) {
      const unsigned char *src = block + (src_of_byte ? src_of_byte[p] : p);
      unsigned char *dst = out + p * n + i0;
      for (size_t i = 0; i < nb; i++) dst[i] = src[i * stride];
    }
  }
  if (k < n)
    for (size_t p = 0; p < size; p++) memset(out + p * n + k, 0, n - k);
}

/* One chunk: rows [first, first + k) in memory layout, padded with zero rows to the full chunk (an
 * edge chunk is stored whole; readers ignore the rows past the dataset's end). */
static int write_one(hid_t d, hid_t ftype, hid_t mtype, const unsigned char *rows, size_t first, size_t k,
                     hsize_t at, size_t chunk_rows, struct chunk_bufs *b) {
  size_t mem_size = H5Tget_size(mtype), file_size = H5Tget_size(ftype);
  const unsigned char *src = rows + first * mem_size;
  size_t stride = mem_size;
  if (!b->src_of_byte) { /* HDF5 converts to the packed file rows first */
    memcpy(b->conv, src, k * mem_size);
    if (H5Tconvert(mtype, ftype, k, b->conv, b->bkg, H5P_DEFAULT) < 0) return -1;
    src = b->conv;
    stride = file_size;
  }
  size_t nbytes = chunk_rows * file_size;
  shuffle(src, k, stride, b->src_of_byte, file_size, b->shuffled, chunk_rows);
  const void *out = b->shuffled;
  size_t out_len = nbytes;
  uint32_t mask = 0;
  if (b->deflater) {
    size_t z = libdeflate_zlib_compress(b->deflater, b->shuffled, nbytes, b->packed, b->packed_cap);
    if (z > 0 && z < nbytes) out = b->packed, out_len = z;
    else mask = DEFLATE_SKIPPED;
  }
  hsize_t offset = at + (hsize_t)first;
  return H5Dwrite_chunk(d, H5P_DEFAULT, mask, &offset, out_len, out) < 0 ? -1 : 0;
}

int h5c_write_chunks(hid_t d, hid_t ftype, hid_t mtype, const void *rows, size_t n, hsize_t at,
                     size_t chunk_rows, int deflate) {
  if (chunk_rows == 0) return -1;
  struct chunk_bufs b;
  if (bufs_alloc(&b, ftype, mtype, chunk_rows, deflate) < 0) return -1;
  int rc = 0;
  for (size_t first = 0; first < n && rc == 0; first += chunk_rows) {
    size_t k = n - first < chunk_rows ? n - first : chunk_rows;
    rc = write_one(d, ftype, mtype, rows, first, k, at, chunk_rows, &b);
  }
  bufs_free(&b);
  return rc;
}

int h5c_direct_ok(hid_t ftype) { return H5Tdetect_class(ftype, H5T_STRING) == 0; }
