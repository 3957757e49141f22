/* A table as an HDF5 dataset. Rows are packed from their in-memory struct into the file's compound
 * (columns in order, little-endian, strings as global heap references). Tables up to
 * H5S_CHUNK_THRESHOLD rows are one contiguous block; larger and streamed ones are chunks of
 * H5S_CHUNK_ROWS rows, each shuffled (HDF5's shuffle filter: byte p of row i at p * rows + i, so the
 * high bytes of counters, mostly zero, sit together) and deflated by libdeflate at level 1 (zlib
 * format, as HDF5's deflate filter), indexed by a version-1 B-tree (File Format Specification 3.0,
 * III.A.1) whose leaves point at the chunks. An edge chunk is stored whole, zero-padded. */
#include "h5f_dset.h"

#include <libdeflate.h>
#include <stdlib.h>
#include <string.h>

#include "h5f_gheap.h"
#include "h5f_msg.h"
#include "wpio_h5write.h"

#define DEFLATE_LEVEL 1
#define DEFLATE_SKIPPED (1u << 1) /* filter mask bit of deflate, second in the pipeline */

/* v1 B-tree nodes of raw data chunks: 2K children, K = 32, the chunk index's default that a version 2
 * superblock implies; a key is the chunk's stored size, filter mask and offset (rows, then 0 for the
 * element's bytes). Every node is stored at its full size, as HDF5 reads it. */
#define BT_CHILDREN 64
#define BT_KEY (4 + 4 + 2 * 8)
#define BT_HEADER (4 + 1 + 1 + 2 + 8 + 8)
#define BT_NODE (BT_HEADER + BT_CHILDREN * 8 + (BT_CHILDREN + 1) * BT_KEY)

/* Rows per block of the shuffle: a block of rows sits in L1 while each of its bytes is moved. */
#define BLOCK_ROWS 64

/* The runs of a table's row: adjacent non-string columns that are adjacent in memory too become one
 * copy (the file's integers and doubles are little-endian, as the memory's on every host wprof
 * builds for). */
static int plan_runs(struct h5f_dset *d) {
  const struct h5s_table *t = d->t;
  for (size_t c = 0; t && c < t->ncols; c++) {
    int is_str = t->cols[c].type == H5S_STR;
    uint32_t from = (uint32_t)t->cols[c].offset, len = (uint32_t)h5s_col_file_size(t->cols[c].type);
    struct h5f_run *last = d->nruns ? &d->runs[d->nruns - 1] : NULL;
    if (!is_str && last && !last->is_str && last->from + last->len == from) {
      last->len += len;
      continue;
    }
    if (d->nruns == H5F_MAX_RUNS) return -1;
    d->runs[d->nruns++] = (struct h5f_run){from, len, is_str};
  }
  return 0;
}

int h5f_dset_init(struct h5f_dset *d, const struct h5s_table *t, int chunked, int extendible) {
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "the HDF5 writer copies little-endian rows as they are in memory"
#endif
  *d = (struct h5f_dset){.t = t, .chunked = chunked || extendible, .extendible = extendible, .addr = H5F_UNDEF};
  d->fsize = t ? h5s_file_row_size(t) : H5F_VSTR_REF;
  d->msize = t ? t->row_size : sizeof(const char *);
  return plan_runs(d);
}

/* The chunk buffers and the compressor, for one h5f_dset_chunks call only: a streamed report has a
 * dozen chunked tables open at once, and each would hold a few MB between parts. */
static int scratch_alloc(struct h5f_dset *d) {
  size_t bytes = (size_t)H5S_CHUNK_ROWS * d->fsize;
  d->packed = malloc(bytes);
  d->shuffled = malloc(bytes);
  d->z = libdeflate_alloc_compressor(DEFLATE_LEVEL);
  d->zcap = d->z ? libdeflate_zlib_compress_bound(d->z, bytes) : 0;
  d->zbuf = d->zcap ? malloc(d->zcap) : NULL;
  return d->packed && d->shuffled && d->zbuf ? 0 : -1;
}

static void scratch_free(struct h5f_dset *d) {
  free(d->packed);
  free(d->shuffled);
  free(d->zbuf);
  if (d->z) libdeflate_free_compressor(d->z);
  d->packed = d->shuffled = d->zbuf = NULL;
  d->z = NULL;
  d->zcap = 0;
}

void h5f_dset_free(struct h5f_dset *d) {
  free(d->chunks);
  scratch_free(d);
  free(d->spans);
  *d = (struct h5f_dset){.addr = H5F_UNDEF};
}

/* ---- rows, packed to the file's layout ---- */

/* Rows made by a source's fill are made this many bytes at a time. */
#define FILL_BYTES ((size_t)16 << 10)

static size_t string_columns(const struct h5s_table *t) {
  size_t k = 0;
  for (size_t i = 0; i < t->ncols; i++) k += t->cols[i].type == H5S_STR;
  return k;
}

/* Rows made on demand, a batch at a time, into scratch (freed by rows_done). */
struct rows_at {
  const struct h5f_src *src;
  size_t msize, batch;
  unsigned char *scratch;
};

static int rows_init(struct rows_at *r, const struct h5f_src *src, size_t msize) {
  *r = (struct rows_at){src, msize, 0, NULL};
  if (src->rows) return 0;
  r->batch = FILL_BYTES / msize ? FILL_BYTES / msize : 1;
  r->scratch = malloc(r->batch * msize);
  return r->scratch ? 0 : -1;
}

/* Rows [first, first + k) in memory layout, k at most the batch of a fill: the array's own, or made. */
static const unsigned char *rows_get(struct rows_at *r, size_t first, size_t k) {
  if (r->src->rows) return (const unsigned char *)r->src->rows + first * r->msize;
  r->src->fill(r->src->ctx, first, k, r->scratch);
  return r->scratch;
}

/* How many rows from first on rows_get hands out at once (of n). */
static size_t rows_step(const struct rows_at *r, size_t n) {
  return r->src->rows || n < r->batch ? n : r->batch;
}

/* The string cells of rows [first, first + n) to the global heap, their references at refs, row by
 * row in column order. 0, or -1. */
static int put_strings(struct h5f_out *o, const struct h5f_dset *d, struct rows_at *r, size_t first, size_t n,
                       size_t nstr, unsigned char *refs) {
  const struct h5s_table *t = d->t;
  const char **strs = malloc(n * nstr * sizeof *strs);
  if (!strs) return -1;
  size_t k = 0;
  for (size_t i = 0; i < n;) {
    size_t step = rows_step(r, n - i);
    const unsigned char *rows = rows_get(r, first + i, step);
    for (size_t j = 0; j < step; j++)
      for (size_t c = 0; c < t->ncols; c++)
        if (t->cols[c].type == H5S_STR) memcpy(&strs[k++], rows + j * t->row_size + t->cols[c].offset, sizeof *strs);
    i += step;
  }
  int rc = h5f_strings(o, strs, n * nstr, refs);
  free(strs);
  return rc;
}

/* Rows [first, first + n) packed into out (n * fsize bytes), their strings' references from ref on. */
static void pack_rows(const struct h5f_dset *d, struct rows_at *r, size_t first, size_t n, const unsigned char *ref,
                      unsigned char *out) {
  for (size_t i = 0; i < n;) {
    size_t step = rows_step(r, n - i);
    const unsigned char *rows = rows_get(r, first + i, step);
    for (size_t j = 0; j < step; j++) {
      const unsigned char *src = rows + j * d->t->row_size;
      for (size_t k = 0; k < d->nruns; k++) {
        const struct h5f_run *run = &d->runs[k];
        if (run->is_str) {
          memcpy(out, ref, H5F_VSTR_REF);
          ref += H5F_VSTR_REF;
        } else {
          memcpy(out, src + run->from, run->len);
        }
        out += run->len;
      }
    }
    i += step;
  }
}

/* Rows [first, first + n) of src into out (n * fsize bytes); strings go to the global heap first. */
static int pack(struct h5f_out *o, const struct h5f_dset *d, const struct h5f_src *src, size_t first, size_t n,
                unsigned char *out) {
  if (!d->t) return h5f_strings(o, (const char *const *)src->rows + first, n, out);
  size_t nstr = string_columns(d->t);
  struct rows_at r;
  if (rows_init(&r, src, d->msize) < 0) return -1;
  unsigned char *refs = nstr && n ? malloc(n * nstr * H5F_VSTR_REF) : NULL;
  int rc = nstr && n && !refs ? -1 : 0;
  if (rc == 0 && nstr && n) rc = put_strings(o, d, &r, first, n, nstr, refs);
  if (rc == 0) pack_rows(d, &r, first, n, refs, out);
  free(r.scratch);
  free(refs);
  return rc;
}

int h5f_dset_contiguous(struct h5f_out *o, struct h5f_dset *d, const struct h5f_src *src, size_t n) {
  d->nrows = n;
  if (n == 0) return 0;
  if (n > SIZE_MAX / d->fsize) return -1;
  if (!d->t) { /* /names: the references are the rows */
    unsigned char *refs = malloc(n * H5F_VSTR_REF);
    int rc = refs ? h5f_strings(o, (const char *const *)src->rows, n, refs) : -1;
    if (rc == 0 && (d->addr = h5f_append(o, refs, n * H5F_VSTR_REF)) == H5F_UNDEF) rc = -1;
    free(refs);
    return rc;
  }
  size_t nstr = string_columns(d->t);
  if (nstr && n > SIZE_MAX / H5F_VSTR_REF / nstr) return -1;
  unsigned char *refs = nstr ? malloc(n * nstr * H5F_VSTR_REF) : NULL;
  struct rows_at r;
  if ((nstr && !refs) || rows_init(&r, src, d->msize) < 0) {
    free(refs);
    return -1;
  }
  int rc = nstr ? put_strings(o, d, &r, 0, n, nstr, refs) : 0;
  /* then the rows, packed straight into the file's window: as many as fit in what is left of it */
  d->addr = h5f_alloc(o, n * d->fsize);
  for (size_t first = 0; rc == 0 && first < n;) {
    uint64_t at = d->addr + first * d->fsize;
    size_t left = at >= o->base && at - o->base < H5F_OUT_WINDOW ? H5F_OUT_WINDOW - (size_t)(at - o->base) : 0;
    size_t k = (left >= d->fsize ? left : H5F_OUT_WINDOW) / d->fsize;
    if (k > n - first) k = n - first;
    unsigned char *room = h5f_room(o, at, k * d->fsize);
    if (!room) rc = -1;
    else pack_rows(d, &r, first, k, refs ? refs + first * nstr * H5F_VSTR_REF : NULL, room);
    first += k;
  }
  free(r.scratch);
  free(refs);
  return rc;
}

/* Byte p of row i goes to p * chunk + i; rows k..chunk-1 are zero. */
static void shuffle(const unsigned char *rows, size_t k, size_t size, unsigned char *out, size_t chunk) {
  for (size_t i0 = 0; i0 < k; i0 += BLOCK_ROWS) {
    size_t nb = k - i0 < BLOCK_ROWS ? k - i0 : BLOCK_ROWS;
    const unsigned char *block = rows + i0 * size;
    for (size_t p = 0; p < size; p++) {
      const unsigned char *src = block + p;
      unsigned char *dst = out + p * chunk + i0;
      for (size_t i = 0; i < nb; i++) dst[i] = src[i * size];
    }
  }
  if (k < chunk)
    for (size_t p = 0; p < size; p++) memset(out + p * chunk + k, 0, chunk - k);
}

static int put_chunk(struct h5f_out *o, struct h5f_dset *d, const struct h5f_src *src, size_t first, size_t k) {
  if (d->nchunks == d->cap) {
    size_t cap = d->cap ? d->cap * 2 : 16;
    struct h5f_chunk_ref *c = realloc(d->chunks, cap * sizeof *c);
    if (!c) return -1;
    d->chunks = c, d->cap = cap;
  }
  if (pack(o, d, src, first, k, d->packed) < 0) return -1;
  size_t bytes = (size_t)H5S_CHUNK_ROWS * d->fsize;
  shuffle(d->packed, k, d->fsize, d->shuffled, H5S_CHUNK_ROWS);
  const unsigned char *out = d->shuffled;
  size_t len = bytes;
  uint32_t mask = 0;
  size_t z = libdeflate_zlib_compress(d->z, d->shuffled, bytes, d->zbuf, d->zcap);
  if (z > 0 && z < bytes) out = d->zbuf, len = z;
  else mask = DEFLATE_SKIPPED;
  uint64_t at = h5f_append(o, out, len);
  if (at == H5F_UNDEF) return -1;
  d->chunks[d->nchunks++] = (struct h5f_chunk_ref){at, (uint32_t)len, mask};
  d->nrows += k;
  return 0;
}

int h5f_dset_chunks(struct h5f_out *o, struct h5f_dset *d, const struct h5f_src *src, size_t first, size_t n) {
  if (!d->chunked || d->nrows % H5S_CHUNK_ROWS) return -1; /* a partial chunk was the last */
  if (n == 0) return 0;
  int rc = scratch_alloc(d);
  for (size_t i = 0; i < n && rc == 0; i += H5S_CHUNK_ROWS) {
    size_t k = n - i < H5S_CHUNK_ROWS ? n - i : H5S_CHUNK_ROWS;
    rc = put_chunk(o, d, src, first + i, k);
  }
  scratch_free(d);
  return rc;
}

/* ---- the chunk index ---- */

/* An entry of a B-tree level: a chunk (level 0) or a node, covering chunks [first, end). */
struct bt_item {
  uint64_t addr;
  size_t first, end;
};

static void put_key(unsigned char *p, const struct h5f_dset *d, size_t chunk, int real) {
  h5f_le32(p, real ? d->chunks[chunk].nbytes : 0);
  h5f_le32(p + 4, real ? d->chunks[chunk].mask : 0);
  h5f_le64(p + 8, (uint64_t)chunk * H5S_CHUNK_ROWS);
  h5f_le64(p + 16, 0);
}

/* One level of nodes over items[0..n); the nodes become items[0..*m). */
static int bt_level(struct h5f_out *o, const struct h5f_dset *d, struct bt_item *items, size_t n, unsigned level,
                    size_t *m) {
  size_t nodes = (n + BT_CHILDREN - 1) / BT_CHILDREN;
  uint64_t base = h5f_alloc(o, (uint64_t)nodes * BT_NODE);
  unsigned char *node = malloc(BT_NODE);
  if (!node) return -1;
  for (size_t j = 0; j < nodes; j++) {
    size_t lo = j * BT_CHILDREN, hi = lo + BT_CHILDREN < n ? lo + BT_CHILDREN : n;
    memset(node, 0, BT_NODE);
    memcpy(node, "TREE", 4);
    node[4] = 1; /* raw data chunks */
    node[5] = (unsigned char)level;
    h5f_le16(node + 6, (unsigned)(hi - lo));
    h5f_le64(node + 8, j > 0 ? base + (j - 1) * BT_NODE : H5F_UNDEF);
    h5f_le64(node + 16, j + 1 < nodes ? base + (j + 1) * BT_NODE : H5F_UNDEF);
    unsigned char *p = node + BT_HEADER;
    for (size_t e = lo; e < hi; e++) {
      put_key(p, d, items[e].first, 1);
      h5f_le64(p + BT_KEY, items[e].addr);
      p += BT_KEY + 8;
    }
    put_key(p, d, items[hi - 1].end, 0); /* the right key: where the next chunk would start */
    if (h5f_write(o, base + j * BT_NODE, node, BT_NODE) < 0) {
      free(node);
      return -1;
    }
    items[j] = (struct bt_item){base + j * BT_NODE, items[lo].first, items[hi - 1].end};
  }
  free(node);
  *m = nodes;
  return 0;
}

static uint64_t btree(struct h5f_out *o, const struct h5f_dset *d) {
  if (d->nchunks == 0) return H5F_UNDEF;
  struct bt_item *items = malloc(d->nchunks * sizeof *items);
  if (!items) return H5F_UNDEF;
  for (size_t i = 0; i < d->nchunks; i++) items[i] = (struct bt_item){d->chunks[i].addr, i, i + 1};
  size_t n = d->nchunks;
  unsigned level = 0;
  int rc = 0;
  do {
    rc = bt_level(o, d, items, n, level++, &n);
  } while (rc == 0 && n > 1);
  uint64_t root = rc == 0 ? items[0].addr : H5F_UNDEF;
  free(items);
  return root;
}

uint64_t h5f_dset_finish(struct h5f_out *o, struct h5f_dset *d) {
  struct h5f_oh h = {0};
  struct h5f_buf space = {0}, type = {0};
  h5f_space_1d(&space, d->nrows, d->extendible);
  if (d->t) h5f_dt_table(&type, d->t);
  else h5f_dt_vstring(&type);
  h5f_oh_msg(&h, H5F_MSG_DATASPACE, space.p, space.n);
  h5f_oh_msg(&h, H5F_MSG_DATATYPE, type.p, type.n);
  if (space.failed || type.failed) h.msgs.failed = 1;
  if (d->chunked) {
    uint64_t root = btree(o, d);
    if (root == H5F_UNDEF && d->nchunks) h.msgs.failed = 1;
    h5f_oh_chunked(&h, root, H5S_CHUNK_ROWS, (uint32_t)d->fsize, DEFLATE_LEVEL);
  } else {
    h5f_oh_contiguous(&h, d->addr, d->addr == H5F_UNDEF ? 0 : d->nrows * d->fsize);
  }
  if (d->spans && d->nspans) {
    struct h5f_buf at = {0}, as = {0}, v = {0};
    h5f_dt_int(&at, 4, 1);
    h5f_space_1d(&as, d->nspans, 0);
    for (size_t i = 0; i < d->nspans; i++) h5f_put_u32(&v, (uint32_t)d->spans[i]);
    if (v.failed) h.msgs.failed = 1;
    else h5f_oh_attr(&h, WPIO_H5_RANK_SPANS_ATTR, &at, &as, v.p, v.n);
    h5f_buf_free(&at), h5f_buf_free(&as), h5f_buf_free(&v);
  }
  h5f_buf_free(&space);
  h5f_buf_free(&type);
  uint64_t addr = h5f_oh_write(o, &h);
  h5f_dset_free(d);
  return addr;
}
