/* The bytes of an HDF5 file being written: a byte buffer with little-endian encoders, the file
 * written in order through a small window, and lookup3. */
#include "h5f_out.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>


void h5f_buf_free(struct h5f_buf *b) {
  free(b->p);
  *b = (struct h5f_buf){0};
}

unsigned char *h5f_put(struct h5f_buf *b, size_t n) {
  if (b->failed) return NULL;
  if (n > SIZE_MAX - b->n) {
    b->failed = 1;
    return NULL;
  }
  if (b->n + n > b->cap) {
    size_t cap = b->cap ? b->cap : 256;
    while (cap < b->n + n) cap = cap > SIZE_MAX / 2 ? b->n + n : cap * 2;
    unsigned char *p = realloc(b->p, cap);
    if (!p) {
      b->failed = 1;
      return NULL;
    }
    b->p = p, b->cap = cap;
  }
  unsigned char *at = b->p + b->n;
  memset(at, 0, n);
  b->n += n;
  return at;
}

void h5f_put_bytes(struct h5f_buf *b, const void *p, size_t n) {
  unsigned char *at = h5f_put(b, n);
  if (at && n) memcpy(at, p, n);
}

void h5f_le16(unsigned char *p, unsigned v) {
  p[0] = (unsigned char)v, p[1] = (unsigned char)(v >> 8);
}
void h5f_le32(unsigned char *p, uint32_t v) {
  for (int i = 0; i < 4; i++) p[i] = (unsigned char)(v >> (8 * i));
}
void h5f_le64(unsigned char *p, uint64_t v) {
  for (int i = 0; i < 8; i++) p[i] = (unsigned char)(v >> (8 * i));
}

void h5f_put_u8(struct h5f_buf *b, unsigned v) {
  unsigned char *p = h5f_put(b, 1);
  if (p) p[0] = (unsigned char)v;
}
void h5f_put_u16(struct h5f_buf *b, unsigned v) {
  unsigned char *p = h5f_put(b, 2);
  if (p) h5f_le16(p, v);
}
void h5f_put_u32(struct h5f_buf *b, uint32_t v) {
  unsigned char *p = h5f_put(b, 4);
  if (p) h5f_le32(p, v);
}
void h5f_put_u64(struct h5f_buf *b, uint64_t v) {
  unsigned char *p = h5f_put(b, 8);
  if (p) h5f_le64(p, v);
}

/* ---- lookup3 (Bob Jenkins, public domain), byte by byte as HDF5's H5_checksum_lookup3 ---- */

#define ROT(x, k) (((x) << (k)) | ((x) >> (32 - (k))))
#define MIX(a, b, c) \
  do { \
    a -= c; a ^= ROT(c, 4); c += b; \
    b -= a; b ^= ROT(a, 6); a += c; \
    c -= b; c ^= ROT(b, 8); b += a; \
    a -= c; a ^= ROT(c, 16); c += b; \
    b -= a; b ^= ROT(a, 19); a += c; \
    c -= b; c ^= ROT(b, 4); b += a; \
  } while (0)
#define FINAL(a, b, c) \
  do { \
    c ^= b; c -= ROT(b, 14); \
    a ^= c; a -= ROT(c, 11); \
    b ^= a; b -= ROT(a, 25); \
    c ^= b; c -= ROT(b, 16); \
    a ^= c; a -= ROT(c, 4); \
    b ^= a; b -= ROT(a, 14); \
    c ^= b; c -= ROT(b, 24); \
  } while (0)

static uint32_t word(const unsigned char *k) {
  return (uint32_t)k[0] | (uint32_t)k[1] << 8 | (uint32_t)k[2] << 16 | (uint32_t)k[3] << 24;
}

uint32_t h5f_lookup3(const void *key, size_t length) {
  const unsigned char *k = key;
  uint32_t a, b, c;
  a = b = c = 0xdeadbeefu + (uint32_t)length;
  while (length > 12) {
    a += word(k), b += word(k + 4), c += word(k + 8);
    MIX(a, b, c);
    length -= 12, k += 12;
  }
  if (length == 0) return c;
  unsigned char tail[12] = {0}; /* the last 1..12 bytes, zero-padded: the same sums as the switch */
  memcpy(tail, k, length);
  a += word(tail), b += word(tail + 4), c += word(tail + 8);
  FINAL(a, b, c);
  return c;
}

/* ---- the file ---- */

void h5f_out_init(struct h5f_out *o, int fd) {
  *o = (struct h5f_out){.fd = fd};
}

uint64_t h5f_alloc(struct h5f_out *o, uint64_t size) {
  uint64_t at = o->eof;
  o->eof += size;
  return at;
}

static int pwrite_all(int fd, const unsigned char *p, size_t n, uint64_t at) {
  while (n > 0) {
    ssize_t w = pwrite(fd, p, n, (off_t)at);
    if (w < 0 && errno == EINTR) continue;
    if (w < 0) return -1;
    if (w == 0) return errno = ENOSPC, -1; /* no progress and no errno of its own: say why */
    p += w, n -= (size_t)w, at += (uint64_t)w;
  }
  return 0;
}

int h5f_flush(struct h5f_out *o) {
  if (!o->failed && o->held && pwrite_all(o->fd, o->win, o->held, o->base) < 0) o->failed = 1;
  o->base += o->held;
  o->held = 0;
  return o->failed ? -1 : 0;
}

/* Moves the window on until addr falls in it (addr >= base): while addr lies past it, what is held
 * goes to the file, the bytes between the held ones and addr zeroed (space handed out and not
 * written: zeros in the file). 0, or -1. */
static int reach(struct h5f_out *o, uint64_t addr) {
  if (!o->win && !(o->win = malloc(H5F_OUT_WINDOW))) return o->failed = 1, -1;
  while (addr - o->base >= H5F_OUT_WINDOW) {
    uint64_t gap = addr - (o->base + o->held);
    size_t zero = gap < H5F_OUT_WINDOW - o->held ? (size_t)gap : H5F_OUT_WINDOW - o->held;
    memset(o->win + o->held, 0, zero);
    o->held += zero;
    if (h5f_flush(o) < 0) return -1;
  }
  return 0;
}

/* The window's bytes up to off are held (what was not written there is zeroed). */
static void hold_to(struct h5f_out *o, size_t off) {
  if (off > o->held) {
    memset(o->win + o->held, 0, off - o->held);
    o->held = off;
  }
}

int h5f_write(struct h5f_out *o, uint64_t addr, const void *p, size_t n) {
  const unsigned char *src = p;
  if (o->failed || addr > o->eof || n > o->eof - addr) return o->failed = 1, -1;
  if (addr + n > o->end) o->end = addr + n;
  if (addr < o->base) { /* already flushed: patch the file */
    size_t below = addr + n <= o->base ? n : (size_t)(o->base - addr);
    if (pwrite_all(o->fd, src, below, addr) < 0) return o->failed = 1, -1;
    src += below, n -= below, addr += below;
  }
  while (n > 0) { /* through the window, what fits of it at a time */
    if (reach(o, addr) < 0) return -1;
    size_t off = (size_t)(addr - o->base), k = n < H5F_OUT_WINDOW - off ? n : H5F_OUT_WINDOW - off;
    hold_to(o, off);
    memcpy(o->win + off, src, k);
    if (off + k > o->held) o->held = off + k;
    src += k, n -= k, addr += k;
  }
  return 0;
}

uint64_t h5f_append(struct h5f_out *o, const void *p, size_t n) {
  uint64_t at = h5f_alloc(o, n);
  return h5f_write(o, at, p, n) == 0 ? at : H5F_UNDEF;
}

unsigned char *h5f_room(struct h5f_out *o, uint64_t addr, size_t n) {
  if (o->failed || n > H5F_OUT_WINDOW || addr < o->end || addr > o->eof || n > o->eof - addr) return o->failed = 1, NULL;
  if (reach(o, addr) < 0) return NULL;
  if (addr - o->base + n > H5F_OUT_WINDOW) { /* no room behind addr: what is before it goes first */
    hold_to(o, (size_t)(addr - o->base));
    if (h5f_flush(o) < 0) return NULL;
  }
  size_t off = (size_t)(addr - o->base);
  hold_to(o, off);
  o->held = off + n; /* the caller fills all n bytes */
  o->end = addr + n;
  return o->win + off;
}

void h5f_out_free(struct h5f_out *o) {
  free(o->win);
  o->win = NULL;
  o->held = 0;
}
