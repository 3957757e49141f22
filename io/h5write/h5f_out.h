/* The bytes of an HDF5 file being written (h5f_out.c): a growable byte buffer with little-endian
 * encoders for building structures, the file itself (space handed out in order from the start and
 * written through a small window of memory), and the Jenkins lookup3 checksum HDF5's v2 structures end
 * with. */
#ifndef H5F_OUT_H
#define H5F_OUT_H

#include <stddef.h>
#include <stdint.h>

/* HDF5's "undefined address": all bits set. */
#define H5F_UNDEF UINT64_MAX

/* A growable byte buffer; a failed allocation makes it `failed` and every later put a no-op. */
struct h5f_buf {
  unsigned char *p;
  size_t n, cap;
  int failed;
};
void h5f_buf_free(struct h5f_buf *b);
/* n more bytes at the end, zeroed; NULL when out of memory. */
unsigned char *h5f_put(struct h5f_buf *b, size_t n);
void h5f_put_bytes(struct h5f_buf *b, const void *p, size_t n);
void h5f_put_u8(struct h5f_buf *b, unsigned v);
void h5f_put_u16(struct h5f_buf *b, unsigned v);
void h5f_put_u32(struct h5f_buf *b, uint32_t v);
void h5f_put_u64(struct h5f_buf *b, uint64_t v);
/* Little-endian stores into memory. */
void h5f_le16(unsigned char *p, unsigned v);
void h5f_le32(unsigned char *p, uint32_t v);
void h5f_le64(unsigned char *p, uint64_t v);

/* Bob Jenkins' lookup3 hashlittle with seed 0, as HDF5 checksums its v2 metadata. */
uint32_t h5f_lookup3(const void *key, size_t length);

/* The file: addresses are handed out in increasing order (h5f_alloc) and written in that order, so
 * the bytes from `base` on are held in one small window (H5F_OUT_WINDOW bytes, allocated once) and
 * written with pwrite whenever it fills: a report of any size costs the same few fresh pages of
 * memory, never a buffer of its own size. Bytes below base are already in the file and are patched
 * with pwrite (the superblock, at the close). */
#define H5F_OUT_WINDOW ((size_t)128 << 10)
struct h5f_out {
  int fd;
  uint64_t eof;     /* the next address to hand out: the file's size when done */
  uint64_t base;    /* file address of win[0] */
  uint64_t end;     /* the end of the bytes written so far (flushed or held) */
  unsigned char *win;
  size_t held;      /* bytes of the window in use, from base on */
  int failed;       /* an allocation or a write failed: the file is no good */
};
void h5f_out_init(struct h5f_out *o, int fd);
/* size bytes of the file, at the returned address (never fails: a failure shows at the flush). */
uint64_t h5f_alloc(struct h5f_out *o, uint64_t size);
/* Writes n bytes at addr (space handed out before). 0, or -1. */
int h5f_write(struct h5f_out *o, uint64_t addr, const void *p, size_t n);
/* Allocates n bytes and writes p there; the address, or H5F_UNDEF on failure. */
uint64_t h5f_append(struct h5f_out *o, const void *p, size_t n);
/* Where in the window the bytes [addr, addr + n) go, for the caller to fill (all n bytes) before its
 * next call on o; n <= H5F_OUT_WINDOW, and addr at or past the bytes written so far (space handed
 * out before, filled in order). Spares a copy. NULL on failure. */
unsigned char *h5f_room(struct h5f_out *o, uint64_t addr, size_t n);
/* Everything held in the window to the file. 0, or -1. */
int h5f_flush(struct h5f_out *o);
void h5f_out_free(struct h5f_out *o);

#endif
