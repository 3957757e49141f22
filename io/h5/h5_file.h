/* The report file (h5_file.c), written by the whole and the streamed writer alike. */
#ifndef H5_FILE_H
#define H5_FILE_H

#include <hdf5.h>

#include "h5_schema.h"

/* The report file: created as a temporary beside `path` (never through a symlink, never over
 * somebody else's file), renamed into place when closed with rc 0, removed otherwise. */
struct h5w_file {
  char *tmp;
  int fd;
  hid_t file;
};
int h5w_file_open(struct h5w_file *f, const char *path, unsigned flags, struct h5s_err *c);
/* Closes the HDF5 file; with rc 0 renames it to path. Returns rc, or -1 if closing failed. */
int h5w_file_close(struct h5w_file *f, const char *path, int rc, struct h5s_err *c);

#endif
