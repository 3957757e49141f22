/* The report file itself: never through a symlink, never over somebody else's file. It is written
 * as a temporary beside the target and renamed into place, so a reader sees a whole report or none.
 * Whether an existing file is a wprof report is read from its HDF5 structures here, without libhdf5. */
#include "h5_file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "h5f_msg.h"
#include "wpio_h5write.h"

/* ---- is it a wprof report? ---- */

static uint64_t get_le(const unsigned char *p, int n) {
  uint64_t v = 0;
  for (int i = n - 1; i >= 0; i--) v = v << 8 | p[i];
  return v;
}

static int read_at(int fd, uint64_t at, void *p, size_t n, uint64_t size) {
  return at <= size && n <= size - at && pread(fd, p, n, (off_t)at) == (ssize_t)n ? 0 : -1;
}

/* Where an HDF5 superblock signature sits (0, then 512, 1024, ...), or -1. */
static int64_t superblock_at(int fd, uint64_t size) {
  static const unsigned char sig[8] = {0x89, 'H', 'D', 'F', '\r', '\n', 0x1a, '\n'};
  for (uint64_t at = 0; at + 8 <= size; at = at ? at * 2 : 512) {
    unsigned char b[8];
    if (read_at(fd, at, b, 8, size) < 0) return -1;
    if (memcmp(b, sig, 8) == 0) return (int64_t)at;
  }
  return -1;
}

/* The attribute message's name is `name` (versions 1-3). */
static int attr_named(const unsigned char *m, size_t n, const char *name) {
  if (n < 8) return 0;
  size_t len = get_le(m + 2, 2);
  size_t at = m[0] == 3 ? 9 : 8;
  return len == strlen(name) + 1 && at + len <= n && memcmp(m + at, name, len) == 0;
}

#define ATTR_MSG 0x0C
#define ATTR_INFO_MSG 0x15
#define CONT_MSG 0x10
#define MAX_BLOCKS 64
#define MAX_BLOCK ((size_t)1 << 24)

struct probe {
  int fd;
  uint64_t size, base;
  const char *name;
  int found;
  uint64_t heap; /* the dense attributes' fractal heap, or H5F_UNDEF */
  uint64_t cont[MAX_BLOCKS][2]; /* continuation blocks still to read */
  int ncont;
};

/* One message of the root header. */
static void probe_msg(struct probe *p, unsigned type, const unsigned char *m, size_t n) {
  if (type == ATTR_MSG && attr_named(m, n, p->name)) p->found = 1;
  if (type == ATTR_INFO_MSG && n >= 10) {
    size_t at = 2 + ((m[1] & 1) ? 2 : 0);
    if (at + 8 <= n) p->heap = get_le(m + at, 8);
  }
  if (type == CONT_MSG && n >= 16 && p->ncont < MAX_BLOCKS) {
    p->cont[p->ncont][0] = p->base + get_le(m, 8);
    p->cont[p->ncont][1] = get_le(m + 8, 8);
    p->ncont++;
  }
}

/* The messages of a header block: v1 (8-byte headers, 8-aligned) or v2 (4 or 6-byte headers). */
static void probe_block(struct probe *p, const unsigned char *b, size_t n, int v2, int corder) {
  size_t i = 0;
  while (v2 ? i + 4 <= n : i + 8 <= n) {
    unsigned type = v2 ? b[i] : (unsigned)get_le(b + i, 2);
    size_t len = get_le(b + i + (v2 ? 1 : 2), 2);
    i += v2 ? 4 + (corder ? 2 : 0) : 8;
    if (len > n - i) return;
    probe_msg(p, type, b + i, len);
    i += v2 ? len : (len + 7) & ~(size_t)7;
  }
}

static unsigned char *read_block(struct probe *p, uint64_t at, size_t n) {
  unsigned char *b = n && n <= MAX_BLOCK ? malloc(n) : NULL;
  if (b && read_at(p->fd, at, b, n, p->size) < 0) {
    free(b);
    b = NULL;
  }
  return b;
}

static void probe_header(struct probe *p, uint64_t at) {
  /* the longest v2 prefix: signature, version, flags, times (16), phase-change values (4), an
   * 8-byte size of chunk 0 */
  unsigned char h[40];
  if (read_at(p->fd, at, h, 16, p->size) < 0) return;
  int v2 = memcmp(h, "OHDR", 4) == 0, corder = 0;
  uint64_t start, len;
  if (v2) {
    unsigned flags = h[5];
    size_t pre = 6 + ((flags & 0x20) ? 16 : 0) + ((flags & 0x10) ? 4 : 0);
    int width = 1 << (flags & 3);
    if (pre + (size_t)width > sizeof h) return;
    if (read_at(p->fd, at, h, pre + (size_t)width, p->size) < 0) return;
    len = get_le(h + pre, width);
    start = at + pre + (uint64_t)width;
    corder = (flags & 0x04) != 0;
  } else if (h[0] == 1) {
    len = get_le(h + 8, 4);
    start = at + 16;
  } else {
    return;
  }
  unsigned char *b = read_block(p, start, (size_t)len);
  if (b) probe_block(p, b, (size_t)len, v2, corder);
  free(b);
  for (int k = 0; k < p->ncont && !p->found; k++) {
    b = read_block(p, p->cont[k][0], (size_t)p->cont[k][1]);
    int ochk = v2 && b && p->cont[k][1] >= 8 && memcmp(b, "OCHK", 4) == 0;
    if (b && (!v2 || ochk)) probe_block(p, b + (v2 ? 4 : 0), (size_t)p->cont[k][1] - (v2 ? 8 : 0), v2, corder);
    free(b);
  }
}

/* ---- dense attributes: the root's fractal heap (format spec III.G) ---- */

struct heap {
  uint64_t addr, start, max_direct;
  unsigned width, offset_bytes;
};

/* An attribute message (versions 1-3) named `name` starts somewhere in the block. */
static int block_has_attr(const unsigned char *b, size_t n, const char *name) {
  for (size_t j = 0; j + 8 <= n; j++)
    if (b[j] >= 1 && b[j] <= 3 && attr_named(b + j, n - j, name)) return 1;
  return 0;
}

/* The direct block at `at` of `size` bytes belongs to the heap and holds the attribute. */
static int direct_has_attr(struct probe *p, const struct heap *h, uint64_t at, uint64_t size) {
  unsigned char *b = size >= 13 + h->offset_bytes ? read_block(p, at, (size_t)size) : NULL;
  int found = b && memcmp(b, "FHDB", 4) == 0 && b[4] == 0 && p->base + get_le(b + 5, 8) == h->addr &&
              block_has_attr(b + 13 + h->offset_bytes, (size_t)size - 13 - h->offset_bytes, p->name);
  free(b);
  return found;
}

static unsigned log2_of(uint64_t v) {
  unsigned k = 0;
  while (v > 1) v >>= 1, k++;
  return k;
}

/* Whether the root's dense attributes (the fractal heap at `addr`) include p->name: the root block,
 * direct or indirect, and the direct blocks an indirect root points to. Deeper indirect blocks (a
 * heap of more than about half a MiB of attributes) and filtered heaps are not read. */
static int heap_has_attr(struct probe *p, uint64_t addr) {
  unsigned char f[144];
  if (read_at(p->fd, addr, f, sizeof f, p->size) < 0 || memcmp(f, "FRHP", 4) != 0 || f[4] != 0 ||
      get_le(f + 7, 2) != 0) /* I/O filters: not a layout wprof or default libhdf5 writes */
    return 0;
  struct heap h = {.addr = addr, .width = (unsigned)get_le(f + 110, 2), .start = get_le(f + 112, 8),
                   .max_direct = get_le(f + 120, 8), .offset_bytes = ((unsigned)get_le(f + 128, 2) + 7) / 8};
  uint64_t root = get_le(f + 132, 8);
  unsigned rows = (unsigned)get_le(f + 140, 2);
  if (h.width == 0 || h.width > 1024 || h.start == 0 || h.max_direct < h.start || h.max_direct > MAX_BLOCK ||
      root == H5F_UNDEF)
    return 0;
  root += p->base;
  if (rows == 0) return direct_has_attr(p, &h, root, h.start);
  unsigned direct_rows = log2_of(h.max_direct) - log2_of(h.start) + 2;
  if (rows < direct_rows) direct_rows = rows;
  size_t n = 13 + h.offset_bytes + (size_t)direct_rows * h.width * 8;
  unsigned char *b = read_block(p, root, n);
  int found = 0;
  if (b && memcmp(b, "FHIB", 4) == 0 && b[4] == 0 && p->base + get_le(b + 5, 8) == addr)
    for (unsigned r = 0; r < direct_rows && !found; r++)
      for (unsigned c = 0; c < h.width && !found; c++) {
        uint64_t child = get_le(b + 13 + h.offset_bytes + ((size_t)r * h.width + c) * 8, 8);
        if (child != H5F_UNDEF) found = direct_has_attr(p, &h, p->base + child, r < 2 ? h.start : h.start << (r - 1));
      }
  free(b);
  return found;
}

int h5w_root_has_attr(int fd, uint64_t size, const char *name) {
  int64_t sb = superblock_at(fd, size);
  unsigned char s[80];
  if (sb < 0 || read_at(fd, (uint64_t)sb, s, 12, size) < 0) return 0;
  unsigned version = s[8];
  size_t root_at = version >= 2 ? 36 : version == 1 ? 68 : 64, base_at = version >= 2 ? 12 : version == 1 ? 28 : 24;
  if (version > 3 || read_at(fd, (uint64_t)sb, s, root_at + 8, size) < 0) return 0;
  if ((version >= 2 ? s[9] : s[13]) != 8 || (version >= 2 ? s[10] : s[14]) != 8) return 0; /* 8-byte addresses */
  struct probe p = {.fd = fd, .size = size, .name = name, .heap = H5F_UNDEF};
  p.base = get_le(s + base_at, 8);
  probe_header(&p, p.base + get_le(s + root_at, 8));
  return p.found || (p.heap != H5F_UNDEF && heap_has_attr(&p, p.base + p.heap));
}

/* Whether the regular file at `path` is a wprof report (HDF5 with our schema_version attribute).
 * 1, or 0 with the reason in why. */
static int is_wprof_report(const char *path, char *why, size_t len) {
  int fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
  struct stat st;
  int regular = fd >= 0 && fstat(fd, &st) == 0 && S_ISREG(st.st_mode);
  int hdf5 = regular && superblock_at(fd, (uint64_t)st.st_size) >= 0;
  int ours = hdf5 && h5w_root_has_attr(fd, (uint64_t)st.st_size, H5S_SCHEMA_ATTR);
  if (fd >= 0) close(fd);
  if (!hdf5) snprintf(why, len, "not an HDF5 file");
  else if (!ours) snprintf(why, len, "an HDF5 file without wprof's %s attribute", H5S_SCHEMA_ATTR);
  return ours;
}

/* What may be replaced at `path`: nothing yet, or a wprof report; anything else (another program's
 * file, a symlink, a FIFO) only with WPIO_H5_OVERWRITE, and a directory never. The rename replaces a
 * symlink itself, never what it points to. */
static int check_target(const char *path, unsigned flags, struct h5s_err *c) {
  struct stat st;
  if (lstat(path, &st) < 0) {
    if (errno == ENOENT) return 0;
    return h5s_fail(c, "cannot check %s: %s", path, strerror(errno));
  }
  if (S_ISDIR(st.st_mode)) return h5s_fail(c, "%s is a directory", path);
  if (flags & WPIO_H5_OVERWRITE) return 0;
  char why[128] = "not a regular file";
  if (S_ISLNK(st.st_mode))
    return h5s_fail(c, "%s is a symbolic link; wprof does not write through one, and replaces the "
                    "link itself only with WPROF_OVERWRITE=1", path);
  if (S_ISREG(st.st_mode) && is_wprof_report(path, why, sizeof why)) return 0;
  return h5s_fail(c, "%s exists and is not a wprof report (%s); refusing to replace it without "
                  "WPROF_OVERWRITE=1", path, why);
}

/* A new temporary file beside the report: O_EXCL | O_NOFOLLOW, so nothing that already exists (an
 * old file, a planted symlink) is ever opened or truncated. The report is written through this fd. */
static int create_temp(const char *path, char *tmp, size_t len, struct h5s_err *c) {
  static unsigned counter;
  for (int attempt = 0; attempt < 100; attempt++) {
    snprintf(tmp, len, "%s.tmp.%ld.%u", path, (long)getpid(), __atomic_fetch_add(&counter, 1, __ATOMIC_RELAXED));
    int fd = open(tmp, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
    if (fd >= 0) return fd;
    if (errno != EEXIST) break;
  }
  return h5s_fail(c, "cannot create %s: %s", tmp, strerror(errno));
}

/* The file at tmp is still the one behind fd (nobody swapped it while it was written). */
static int same_file(int fd, const char *tmp) {
  struct stat a, b;
  return fstat(fd, &a) == 0 && lstat(tmp, &b) == 0 && S_ISREG(b.st_mode) && a.st_dev == b.st_dev &&
         a.st_ino == b.st_ino;
}

int h5w_file_open(struct h5w_file *f, const char *path, unsigned flags, struct h5s_err *c) {
  *f = (struct h5w_file){NULL, -1, {0}};
  if (check_target(path, flags, c) < 0) return -1;
  size_t tlen = strlen(path) + 48;
  f->tmp = malloc(tlen);
  if (!f->tmp) return h5s_fail(c, "out of memory");
  f->fd = create_temp(path, f->tmp, tlen, c);
  if (f->fd < 0) {
    free(f->tmp);
    f->tmp = NULL;
    return -1;
  }
  h5f_out_init(&f->out, f->fd);
  h5f_alloc(&f->out, H5F_SUPERBLOCK_SIZE);
  return 0;
}

int h5w_file_close(struct h5w_file *f, const char *path, uint64_t root, int rc, struct h5s_err *c) {
  /* the file ends where its last byte was written; space handed out past that is zeros */
  if (rc == 0 && (root == H5F_UNDEF || h5f_superblock(&f->out, root) < 0 || h5f_flush(&f->out) < 0 ||
                  (f->out.end != f->out.eof && ftruncate(f->fd, (off_t)f->out.eof) < 0)))
    rc = h5s_fail(c, "cannot write %s: %s", f->tmp, strerror(errno));
  if (rc == 0 && !same_file(f->fd, f->tmp)) rc = h5s_fail(c, "%s was replaced while being written", f->tmp);
  /* No fsync: the rename already means a reader sees the whole report or none. fsync would add only
   * survival of a power loss in the next seconds, at 5-15 ms of every job's finalize on this
   * machine's disk, while all ranks wait in MPI_Finalize. */
  if (rc == 0 && rename(f->tmp, path) < 0)
    rc = h5s_fail(c, "cannot rename %s to %s: %s", f->tmp, path, strerror(errno));
  if (rc != 0 && f->fd >= 0 && same_file(f->fd, f->tmp)) unlink(f->tmp);
  if (f->fd >= 0) close(f->fd);
  h5f_out_free(&f->out);
  free(f->tmp);
  *f = (struct h5w_file){NULL, -1, {0}};
  return rc;
}
