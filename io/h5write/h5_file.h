/* The report file (h5_file.c), written by the whole and the streamed writer alike. */
#ifndef H5_FILE_H
#define H5_FILE_H

#include <stdint.h>

#include "h5_schema.h"
#include "h5f_out.h"

/* The report file: created as a temporary beside `path` (never through a symlink, never over
 * somebody else's file), written through `out`, renamed into place when closed with rc 0, removed
 * otherwise. */
struct h5w_file {
  char *tmp;
  int fd;
  struct h5f_out out;
};
/* Checks the target, creates the temporary and hands out the superblock's space. 0, or -1. */
int h5w_file_open(struct h5w_file *f, const char *path, unsigned flags, struct h5s_err *c);
/* With rc 0: the superblock naming the root group at `root`, the file written out and renamed to
 * path. Else the temporary is removed. Returns rc, or -1 if finishing failed. */
int h5w_file_close(struct h5w_file *f, const char *path, uint64_t root, int rc, struct h5s_err *c);

/* 1 when the file open at fd (size bytes) is an HDF5 file whose root group has the attribute
 * `name`, read from the file's own structures (no libhdf5): the superblock (versions 0-3), the root
 * object header (versions 1 and 2, with continuations) and its attribute messages, or, for a root
 * whose attributes are in dense storage, the attribute messages in its fractal heap's blocks. */
int h5w_root_has_attr(int fd, uint64_t size, const char *name);

#endif
