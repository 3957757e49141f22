/* Variable-length strings as HDF5 stores them (File Format Specification 3.0, III.E): each string
 * an object of a global heap collection ("GCOL", version 1), the dataset or attribute holding a
 * 16-byte reference (length, collection address, object index). A collection holds at most 65535
 * objects (the index is 16 bits) and is at least 4096 bytes; the space left after the last object
 * is the free-space object, index 0. Every string, "" too, is an object: a reference to address 0
 * would read back as a null string, which h5py cannot take. */
#include "h5f_gheap.h"

#include <stdlib.h>
#include <string.h>

#define COLL_HEADER 16
#define OBJ_HEADER 16
#define COLL_MIN 4096
#define COLL_TARGET ((size_t)1 << 20)
#define COLL_MAX_OBJECTS 65535

static size_t align8(size_t n) { return (n + 7) & ~(size_t)7; }

static const char *str_at(const char *const *strs, size_t i) { return strs[i] ? strs[i] : ""; }

/* Strings [first, *end) go into one collection of *size bytes. */
static void plan(const char *const *strs, size_t n, size_t first, size_t *end, size_t *used) {
  size_t i = first, u = COLL_HEADER;
  while (i < n && i - first < COLL_MAX_OBJECTS) {
    size_t need = OBJ_HEADER + align8(strlen(str_at(strs, i)));
    if (i > first && u + need > COLL_TARGET) break;
    u += need;
    i++;
  }
  *end = i, *used = u;
}

int h5f_strings(struct h5f_out *o, const char *const *strs, size_t n, unsigned char *refs) {
  size_t first = 0;
  while (first < n) {
    size_t end, used;
    plan(strs, n, first, &end, &used);
    size_t size = used < COLL_MIN ? COLL_MIN : used;
    /* built straight in the file's window when it fits there (it mostly does), else apart */
    uint64_t addr = h5f_alloc(o, size);
    int in_window = size <= H5F_OUT_WINDOW;
    unsigned char *c = in_window ? h5f_room(o, addr, size) : malloc(size);
    if (!c) return -1;
    memset(c, 0, size);
    memcpy(c, "GCOL", 4);
    c[4] = 1; /* version; 3 reserved bytes */
    h5f_le64(c + 8, size);
    unsigned char *p = c + COLL_HEADER;
    for (size_t i = first; i < end; i++) {
      const char *s = str_at(strs, i);
      size_t len = strlen(s);
      unsigned idx = (unsigned)(i - first + 1);
      h5f_le16(p, idx); /* then the reference count (0, as HDF5 writes) and 4 reserved bytes */
      h5f_le64(p + 8, len);
      memcpy(p + OBJ_HEADER, s, len);
      p += OBJ_HEADER + align8(len);
      unsigned char *r = refs + i * H5F_VSTR_REF;
      h5f_le32(r, (uint32_t)len);
      h5f_le64(r + 4, addr);
      h5f_le32(r + 12, idx);
    }
    /* the free space: an object of index 0 whose size counts its own header (a remainder too small
     * for a header, 8 bytes at most here, is free space by definition) */
    if (size - used >= OBJ_HEADER) h5f_le64(p + 8, size - used);
    if (!in_window) {
      int rc = h5f_write(o, addr, c, size);
      free(c);
      if (rc < 0) return -1;
    }
    first = end;
  }
  return 0;
}
