/* Spill files on disk: atomic writes (new temporary file + rename inside the spill directory, reached
 * through one directory descriptor), bounded reads, and clean-up; never through a symlink.
 * No fsync: a spill guards against the death of a process (a crash, a kill, a hung rank aborted by
 * mpiexec), and what a process wrote is in the kernel's page cache the moment write() returns, where
 * it outlives the process; the rename makes a reader see the old spill or the new one, never half of
 * one. fsync would only add survival of a crash of the whole node, at 3-9 ms per stop on every rank
 * (measured here), i.e. most of wprof's overhead at finalize; a node that goes down takes the job's
 * report with it anyway. */
#include "wpio_spill.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "wpio_wire.h"

#define TMP_MARK ".tmp."

static int fail(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int fail(char *err, size_t errlen, const char *fmt, ...) {
  if (err && errlen) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
  }
  return -1;
}

int wpio_spill_dir_of(const char *output, char *buf, size_t len) {
  int n = snprintf(buf, len, "%s%s", output, WPIO_SPILL_DIR_SUFFIX);
  return n < 0 || (size_t)n >= len ? -1 : 0;
}

int wpio_spill_name(int rank, char *buf, size_t len) {
  int n = snprintf(buf, len, "rank-%d.wpb", rank);
  return rank < 0 || n < 0 || (size_t)n >= len ? -1 : 0;
}

/* Digits of a rank at s (no sign, no leading zero unless "0"); the end in *end. -1 when none. */
static int parse_rank_digits(const char *s, const char **end, int *rank) {
  long v = 0;
  const char *p = s;
  if (*p < '0' || *p > '9' || (p[0] == '0' && p[1] >= '0' && p[1] <= '9')) return -1;
  for (; *p >= '0' && *p <= '9'; p++) {
    v = v * 10 + (*p - '0');
    if (v > 0x7fffffffL) return -1;
  }
  *end = p;
  *rank = (int)v;
  return 0;
}

int wpio_spill_parse_name(const char *name, int *rank) {
  const char *end;
  if (strncmp(name, "rank-", 5) != 0 || parse_rank_digits(name + 5, &end, rank) < 0) return 0;
  return strcmp(end, ".wpb") == 0;
}

/* A temporary spill a writer left behind when it died between create and rename. */
static int is_temp_spill(const char *name) {
  const char *end;
  int rank;
  if (strncmp(name, "rank-", 5) != 0 || parse_rank_digits(name + 5, &end, &rank) < 0) return 0;
  return strncmp(end, ".wpb" TMP_MARK, strlen(".wpb" TMP_MARK)) == 0;
}

int wpio_spill_dir_prepare(const char *dir, char *err, size_t errlen) {
  if (mkdir(dir, 0755) == 0) return 0;
  if (errno != EEXIST) return fail(err, errlen, "cannot create %s: %s", dir, strerror(errno));
  struct stat st;
  if (lstat(dir, &st) < 0) return fail(err, errlen, "cannot use %s: %s", dir, strerror(errno));
  if (S_ISLNK(st.st_mode))
    return fail(err, errlen, "%s is a symbolic link; spills are never written through one", dir);
  if (!S_ISDIR(st.st_mode)) return fail(err, errlen, "%s exists and is not a directory", dir);
  return 0;
}

/* The spill directory itself, refusing a symlink in its last component. */
static int open_dir(const char *dir, char *err, size_t errlen) {
  int fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0 && errno == ELOOP)
    return fail(err, errlen, "%s is a symbolic link; spills are never written through one", dir);
  if (fd < 0) return fail(err, errlen, "cannot open %s: %s", dir, strerror(errno));
  return fd;
}

static int write_all(int fd, const uint8_t *p, size_t n) {
  while (n > 0) {
    ssize_t k = write(fd, p, n);
    if (k < 0 && errno == EINTR) continue;
    if (k <= 0) return -1;
    p += k;
    n -= (size_t)k;
  }
  return 0;
}

/* A fresh temporary file next to the spill: O_EXCL, so nothing that already exists (a file, a
 * planted symlink) is ever opened. The name is in tmp. */
static int create_temp(int dfd, int rank, char *tmp, size_t len) {
  static unsigned counter;
  for (int attempt = 0; attempt < 100; attempt++) {
    snprintf(tmp, len, "rank-%d.wpb" TMP_MARK "%ld.%u", rank, (long)getpid(), counter++);
    int fd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
    if (fd >= 0 || errno != EEXIST) return fd;
  }
  errno = EEXIST;
  return -1;
}

/* A frame's header: the magic, then the packed bytes' length (8 bytes, little-endian). */
static void frame_header(uint8_t *h, size_t len, const char *magic) {
  memcpy(h, magic, 8);
  for (int i = 0; i < 8; i++) h[8 + i] = (uint8_t)((uint64_t)len >> (8 * i));
}

static int write_frame(int fd, const uint8_t *buf, size_t len, const char *magic) {
  uint8_t h[WPIO_SPILL_FRAME_HEADER];
  frame_header(h, len, magic);
  return write_all(fd, h, sizeof h) == 0 && write_all(fd, buf, len) == 0 ? 0 : -1;
}

static int write_in_dir(int dfd, const char *dir, int rank, const uint8_t *buf, size_t len, const char *magic,
                        char *err, size_t errlen) {
  char tmp[96], name[64];
  if (wpio_spill_name(rank, name, sizeof name) < 0) return fail(err, errlen, "bad rank %d", rank);
  /* no spill there yet (a job's first stop): written in place, saving the rename; there is nothing
   * to keep whole meanwhile, and a crash mid-write leaves a torn first frame, which reads as a
   * damaged spill (the rank recovered as corrupt instead of missing: no data either way) */
  int fd = openat(dfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
  int in_place = fd >= 0;
  if (!in_place && (fd = create_temp(dfd, rank, tmp, sizeof tmp)) < 0)
    return fail(err, errlen, "cannot create a spill file in %s: %s", dir, strerror(errno));
  const char *file = in_place ? name : tmp;
  int rc = 0;
  if (write_frame(fd, buf, len, magic) < 0) rc = fail(err, errlen, "cannot write %s/%s: %s", dir, file, strerror(errno));
  if (close(fd) < 0 && rc == 0) rc = fail(err, errlen, "cannot close %s/%s: %s", dir, file, strerror(errno));
  if (rc == 0 && !in_place && renameat(dfd, tmp, dfd, name) < 0)
    rc = fail(err, errlen, "cannot rename %s/%s to %s: %s", dir, tmp, name, strerror(errno));
  if (rc < 0) unlinkat(dfd, file, 0);
  return rc;
}

static int write_whole(const char *dir, int rank, const uint8_t *buf, size_t len, const char *magic, char *err,
                       size_t errlen) {
  if (!dir || !buf) return fail(err, errlen, "no spill directory or no data");
  int dfd = open_dir(dir, err, errlen);
  if (dfd < 0) return -1;
  int rc = write_in_dir(dfd, dir, rank, buf, len, magic, err, errlen);
  close(dfd);
  return rc;
}

int wpio_spill_write(const char *dir, int rank, const uint8_t *buf, size_t len, char *err, size_t errlen) {
  return write_whole(dir, rank, buf, len, WPIO_SPILL_FRAME_MAGIC, err, errlen);
}

int wpio_spill_write_provisional(const char *dir, int rank, const uint8_t *buf, size_t len, char *err,
                                 size_t errlen) {
  return write_whole(dir, rank, buf, len, WPIO_SPILL_PROVISIONAL_MAGIC, err, errlen);
}

/* Writes a frame at `keep` after cutting the file there (a provisional frame after the last
 * committed one goes); keep == UINT64_MAX: at the end as it is. */
static int append_at(const char *dir, int rank, const uint8_t *buf, size_t len, const char *magic, uint64_t keep,
                     uint64_t *end, char *err, size_t errlen) {
  char name[64];
  if (!dir || !buf) return fail(err, errlen, "no spill directory or no data");
  if (wpio_spill_name(rank, name, sizeof name) < 0) return fail(err, errlen, "bad rank %d", rank);
  int dfd = open_dir(dir, err, errlen);
  if (dfd < 0) return -1;
  /* never through a symlink, never creating: the first spill of a session made the file */
  int fd = openat(dfd, name, O_WRONLY | O_NOFOLLOW | O_CLOEXEC);
  struct stat st;
  int rc = 0;
  if (fd < 0) rc = fail(err, errlen, "cannot open %s/%s: %s", dir, name, strerror(errno));
  else if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) rc = fail(err, errlen, "%s/%s is not a regular file", dir, name);
  else if (keep == UINT64_MAX) keep = (uint64_t)st.st_size;
  if (rc == 0 && keep > (uint64_t)st.st_size)
    rc = fail(err, errlen, "%s/%s is shorter (%lld bytes) than its frames (%llu)", dir, name, (long long)st.st_size,
              (unsigned long long)keep);
  else if (rc == 0 && keep + len + WPIO_SPILL_FRAME_HEADER > WPIO_SPILL_MAX_BYTES)
    rc = fail(err, errlen, "%s/%s would outgrow %zu bytes", dir, name, WPIO_SPILL_MAX_BYTES);
  else if (rc == 0 && keep < (uint64_t)st.st_size && ftruncate(fd, (off_t)keep) < 0)
    rc = fail(err, errlen, "cannot cut %s/%s back to its last frame: %s", dir, name, strerror(errno));
  else if (rc == 0 && (lseek(fd, (off_t)keep, SEEK_SET) < 0 || write_frame(fd, buf, len, magic) < 0))
    rc = fail(err, errlen, "cannot append to %s/%s: %s", dir, name, strerror(errno));
  if (fd >= 0 && close(fd) < 0 && rc == 0) rc = fail(err, errlen, "cannot close %s/%s: %s", dir, name, strerror(errno));
  close(dfd);
  if (rc == 0 && end) *end = keep + WPIO_SPILL_FRAME_HEADER + len;
  return rc;
}

int wpio_spill_append(const char *dir, int rank, const uint8_t *buf, size_t len, char *err, size_t errlen) {
  return append_at(dir, rank, buf, len, WPIO_SPILL_DELTA_MAGIC, UINT64_MAX, NULL, err, errlen);
}

int wpio_spill_append_frame(const char *dir, int rank, const uint8_t *buf, size_t len,
                            enum wpio_spill_frame_kind kind, uint64_t keep, uint64_t *end, char *err, size_t errlen) {
  const char *magic = kind == WPIO_SPILL_PROVISIONAL ? WPIO_SPILL_PROVISIONAL_MAGIC
                      : kind == WPIO_SPILL_DELTA_NO_LITE ? WPIO_SPILL_DELTA_NO_LITE_MAGIC : WPIO_SPILL_DELTA_MAGIC;
  return append_at(dir, rank, buf, len, magic, keep, end, err, errlen);
}

static int read_exact(int fd, uint8_t *p, size_t n) {
  while (n > 0) {
    ssize_t k = read(fd, p, n);
    if (k < 0 && errno == EINTR) continue;
    if (k <= 0) return -1;
    p += k;
    n -= (size_t)k;
  }
  return 0;
}

int wpio_spill_load(const char *path, uint8_t **buf, size_t *len, char *err, size_t errlen) {
  *buf = NULL;
  *len = 0;
  int fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0 && errno == ELOOP) return fail(err, errlen, "%s is a symbolic link; not followed", path);
  if (fd < 0) return fail(err, errlen, "cannot open %s: %s", path, strerror(errno));
  struct stat st;
  int rc = 0;
  if (fstat(fd, &st) < 0) rc = fail(err, errlen, "cannot stat %s: %s", path, strerror(errno));
  else if (!S_ISREG(st.st_mode)) rc = fail(err, errlen, "%s is not a regular file", path);
  else if ((uint64_t)st.st_size > WPIO_SPILL_MAX_BYTES)
    rc = fail(err, errlen, "%s is larger than %zu bytes", path, WPIO_SPILL_MAX_BYTES);
  else if (st.st_size == 0) rc = fail(err, errlen, "%s is empty", path);
  if (rc == 0) {
    *len = (size_t)st.st_size;
    *buf = malloc(*len);
    if (!*buf) rc = fail(err, errlen, "out of memory reading %s", path);
    else if (read_exact(fd, *buf, *len) < 0)
      rc = fail(err, errlen, "cannot read %s: %s", path, errno ? strerror(errno) : "short read");
  }
  close(fd);
  if (rc < 0) {
    free(*buf);
    *buf = NULL;
    *len = 0;
  }
  return rc;
}

/* The checks rank 0 makes on gathered data: exactly one rank row, and every per-rank row its own. */
static int check_one_rank(const struct wpio_job *job, int rank, char *err, size_t errlen) {
  if (job->ranks.n != 1) return fail(err, errlen, "it holds %zu rank rows, not one", job->ranks.n);
  int32_t r = job->ranks.v[0].rank;
  if (rank >= 0 && r != rank) return fail(err, errlen, "it holds rank %d's data, not rank %d's", (int)r, rank);
  int bad = 0;
  for (size_t i = 0; i < job->windows.n; i++) bad |= job->windows.v[i].rank != r;
  for (size_t i = 0; i < job->kernels.n; i++) bad |= job->kernels.v[i].rank != r;
  for (size_t i = 0; i < job->ranges.n; i++) bad |= job->ranges.v[i].rank != r;
  for (size_t i = 0; i < job->lite.n; i++) bad |= job->lite.v[i].rank != r;
  for (size_t i = 0; i < job->lite_hist.n; i++) bad |= job->lite_hist.v[i].rank != r;
  return bad ? fail(err, errlen, "some of its rows belong to another rank") : 0;
}

int wpio_spill_decode(const uint8_t *buf, size_t len, int rank, struct wpio_job *job, char *err,
                      size_t errlen) {
  char why[256] = "";
  int framed = len >= WPIO_SPILL_FRAME_HEADER && (memcmp(buf, WPIO_SPILL_FRAME_MAGIC, 8) == 0 ||
                                                   memcmp(buf, WPIO_SPILL_PROVISIONAL_MAGIC, 8) == 0);
  if (framed ? wpio_spill_combine(buf, len, job, why, sizeof why) < 0 : wpio_decode(buf, len, job, why, sizeof why) < 0)
    return fail(err, errlen, "%s", why);
  return check_one_rank(job, rank, err, errlen);
}

int wpio_spill_read(const char *path, int rank, struct wpio_job *job, char *err, size_t errlen) {
  uint8_t *buf;
  size_t len;
  if (wpio_spill_load(path, &buf, &len, err, errlen) < 0) return -1;
  char why[512] = "";
  int rc = wpio_spill_decode(buf, len, rank, job, why, sizeof why);
  if (rc < 0) fail(err, errlen, "%s is damaged: %s", path, why);
  free(buf);
  return rc;
}

int wpio_spill_read_in(const char *dir, int rank, struct wpio_job *job, char *err, size_t errlen) {
  char name[64];
  size_t plen = strlen(dir) + sizeof name + 2;
  char *path = malloc(plen);
  int rc = path && wpio_spill_name(rank, name, sizeof name) == 0 ? 0 : fail(err, errlen, "out of memory");
  if (rc == 0) {
    snprintf(path, plen, "%s/%s", dir, name);
    rc = wpio_spill_read(path, rank, job, err, errlen);
  }
  free(path);
  return rc;
}

static int cmp_int(const void *a, const void *b) {
  int x = *(const int *)a, y = *(const int *)b;
  return (x > y) - (x < y);
}

int wpio_spill_list(const char *dir, int **ranks, size_t *n, char *err, size_t errlen) {
  *ranks = NULL;
  *n = 0;
  DIR *d = opendir(dir);
  if (!d) return fail(err, errlen, "cannot open spill directory %s: %s", dir, strerror(errno));
  size_t cap = 0;
  int rank, rc = 0;
  for (struct dirent *e; rc == 0 && (e = readdir(d)) != NULL;) {
    if (!wpio_spill_parse_name(e->d_name, &rank)) continue;
    if (*n == cap) {
      cap = cap ? 2 * cap : 64;
      int *grown = realloc(*ranks, cap * sizeof *grown);
      if (!grown) {
        rc = fail(err, errlen, "out of memory listing %s", dir) - 1;
        break;
      }
      *ranks = grown;
    }
    (*ranks)[(*n)++] = rank;
  }
  closedir(d);
  if (rc == 0 && *n > 1) qsort(*ranks, *n, sizeof **ranks, cmp_int);
  return rc;
}

int wpio_spill_remove_all(const char *dir, char *err, size_t errlen) {
  int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (dfd < 0 && errno == ENOENT) return 0;
  if (dfd < 0) return fail(err, errlen, "cannot open %s: %s", dir, strerror(errno));
  DIR *d = fdopendir(dfd);
  if (!d) {
    close(dfd);
    return fail(err, errlen, "cannot read %s: %s", dir, strerror(errno));
  }
  int left = 0, others = 0, rank;
  for (struct dirent *e; (e = readdir(d)) != NULL;) {
    if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
    if (wpio_spill_parse_name(e->d_name, &rank) || is_temp_spill(e->d_name))
      left += unlinkat(dirfd(d), e->d_name, 0) < 0;
    else
      others++;
  }
  closedir(d);
  if (left == 0 && others == 0 && rmdir(dir) < 0 && errno != ENOENT && errno != ENOTEMPTY)
    return fail(err, errlen, "cannot remove %s: %s", dir, strerror(errno));
  return left;
}
