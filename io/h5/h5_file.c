/* The report file itself: never through a symlink, never over somebody else's file. It is written
 * as a temporary beside the target and renamed into place, so a reader sees a whole report or none. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "h5_file.h"
#include "wpio_h5.h"

/* 1 when an HDF5 superblock signature sits where HDF5 looks for one (0, then 512, 1024, ...). */
static int has_hdf5_signature(int fd, off_t size) {
  static const unsigned char sig[8] = { 0x89, 'H', 'D', 'F', '\r', '\n', 0x1a, '\n' };
  for (off_t at = 0; at + 8 <= size; at = at ? at * 2 : 512) {
    unsigned char b[8];
    if (pread(fd, b, 8, at) != 8) return 0;
    if (memcmp(b, sig, 8) == 0) return 1;
  }
  return 0;
}

/* Whether the regular file at `path` is a wprof report (HDF5 with our schema_version attribute).
 * 1, or 0 with the reason in why. The signature is checked first, so a file that is not HDF5 at
 * all never reaches libhdf5. */
static int is_wprof_report(const char *path, char *why, size_t len) {
  int fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
  struct stat st;
  int hdf5 = fd >= 0 && fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && has_hdf5_signature(fd, st.st_size);
  if (fd >= 0) close(fd);
  if (!hdf5) {
    snprintf(why, len, "not an HDF5 file");
    return 0;
  }
  hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
#if H5_VERSION_GE(1, 10, 7)
  if (fapl >= 0) H5Pset_file_locking(fapl, 0, 1);
#endif
  hid_t f = H5Fopen(path, H5F_ACC_RDONLY, fapl >= 0 ? fapl : H5P_DEFAULT);
  if (fapl >= 0) H5Pclose(fapl);
  int ours = f >= 0 && H5Aexists(f, H5S_SCHEMA_ATTR) > 0;
  if (f >= 0) H5Fclose(f);
  if (!ours) snprintf(why, len, "an HDF5 file without wprof's %s attribute", H5S_SCHEMA_ATTR);
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
 * old file, a planted symlink) is ever opened or truncated. Its name goes to tmp; the fd stays open
 * to check that the file HDF5 wrote is still the one created here. */
static int create_temp(const char *path, char *tmp, size_t len, struct h5s_err *c) {
  static unsigned counter;
  for (int attempt = 0; attempt < 100; attempt++) {
    snprintf(tmp, len, "%s.tmp.%ld.%u", path, (long)getpid(), counter++);
    int fd = open(tmp, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
    if (fd >= 0) return fd;
    if (errno != EEXIST) break;
  }
  return h5s_fail(c, "cannot create %s: %s", tmp, strerror(errno));
}

/* The file at tmp is still the one behind fd (nobody swapped it between HDF5's opens). */
static int same_file(int fd, const char *tmp) {
  struct stat a, b;
  return fstat(fd, &a) == 0 && lstat(tmp, &b) == 0 && S_ISREG(b.st_mode) && a.st_dev == b.st_dev &&
         a.st_ino == b.st_ino;
}

int h5w_file_open(struct h5w_file *f, const char *path, unsigned flags, struct h5s_err *c) {
  *f = (struct h5w_file){NULL, -1, H5I_INVALID_HID};
  if (check_target(path, flags, c) < 0) return -1;
  size_t tlen = strlen(path) + 48;
  f->tmp = malloc(tlen);
  if (!f->tmp) return h5s_fail(c, "out of memory");
  f->fd = create_temp(path, f->tmp, tlen, c);
  if (f->fd < 0) {
    free(f->tmp);
    return -1;
  }
  hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
#if H5_VERSION_GE(1, 10, 7)
  /* a report directory on NFS or Lustre may not support the locks, and nobody shares this file */
  if (fapl >= 0) H5Pset_file_locking(fapl, 0, 1);
#endif
  f->file = H5Fcreate(f->tmp, H5F_ACC_TRUNC, H5P_DEFAULT, fapl >= 0 ? fapl : H5P_DEFAULT);
  if (fapl >= 0) H5Pclose(fapl);
  if (f->file >= 0) return 0;
  h5s_fail(c, "cannot create HDF5 file %s", f->tmp);
  h5w_file_close(f, path, -1, c);
  return -1;
}

int h5w_file_close(struct h5w_file *f, const char *path, int rc, struct h5s_err *c) {
  if (f->file >= 0 && H5Fclose(f->file) < 0 && rc == 0) rc = h5s_fail(c, "cannot finish writing %s", f->tmp);
  if (rc == 0 && !same_file(f->fd, f->tmp)) rc = h5s_fail(c, "%s was replaced while being written", f->tmp);
  /* No fsync: the rename already means a reader sees the whole report or none (HDF5 has closed, so
   * written, the file). fsync would add only survival of a power loss in the next seconds, at 5-15 ms
   * of every job's finalize on this machine's disk, while all ranks wait in MPI_Finalize. */
  if (rc == 0 && rename(f->tmp, path) < 0)
    rc = h5s_fail(c, "cannot rename %s to %s: %s", f->tmp, path, strerror(errno));
  if (rc != 0 && f->fd >= 0 && same_file(f->fd, f->tmp)) unlink(f->tmp);
  if (f->fd >= 0) close(f->fd);
  free(f->tmp);
  *f = (struct h5w_file){NULL, -1, H5I_INVALID_HID};
  return rc;
}
