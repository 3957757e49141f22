/* The bytes of an HDF5 file being written (h5f_out.c): a growable byte buffer with little-endian
 * encoders for building structures, the file itself (space handed out in order from the start, kept
 * in memory and written in large pieces), and the Jenkins lookup3 checksum HDF5's v2 structures end
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

/* The file: addresses are handed out in increasing order (h5f_alloc); the bytes from `base` on are
 * held in memory and written in pieces of at least H5F_OUT_FLUSH bytes, so a small report is one
 * write(). Bytes below base are already in the file and are patched with pwrite. */
struct h5f_out {
  int fd;
  uint64_t eof;     /* the next address to hand out: the file's size when done */
  uint64_t base;    /* file address of buf[0] */
  struct h5f_buf buf;
  int failed;       /* an allocation or a write failed: the file is no good */
};
void h5f_out_init(struct h5f_out *o, int fd);
/* size bytes of the file, at the returned address (never fails: a failure shows at the flush). */
uint64_t h5f_alloc(struct h5f_out *o, uint64_t size);
/* Writes n bytes at addr (space handed out before). 0, or -1. */
int h5f_write(struct h5f_out *o, uint64_t addr, const void *p, size_t n);
/* Allocates n bytes and writes p there; the address, or H5F_UNDEF on failure. */
uint64_t h5f_append(struct h5f_out *o, const void *p, size_t n);
/* Allocates n bytes and returns where in memory they go (zeroed), for the caller to fill before its
 * next call on o, then h5f_appended; NULL on failure (*addr = H5F_UNDEF). Spares a copy. */
unsigned char *h5f_append_room(struct h5f_out *o, size_t n, uint64_t *addr);
/* After filling the room: writes the held bytes once they reach the flush size. 0, or -1. */
int h5f_appended(struct h5f_out *o);
/* Room for about `bytes` more held bytes at once (a hint: growing goes on as needed). */
void h5f_out_expect(struct h5f_out *o, size_t bytes);
/* Everything held in memory to the file. 0, or -1. */
int h5f_flush(struct h5f_out *o);
void h5f_out_free(struct h5f_out *o);

#endif
