/* The HDF5 report reader (schema v1) for the tools: reads every table into a wpio_job and checks
 * shapes, column types, ids and kinds, so a damaged file becomes one clear line, never a crash. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "h5_schema.h"
#include "wpio_h5.h"
#include "wpio_hist.h"
#include "wpio_job.h"

/* Refuse tables beyond this many rows: a damaged header must not make us allocate terabytes. */
#define MAX_ROWS ((hsize_t)1 << 32)
#define MAX_ATTR_STRING (1u << 20)

struct rctx {
  const char *path;
  struct h5s_err e;
  uint64_t file_size;
  unsigned flags; /* WPIO_H5_READ_* */
};

/* No table can hold more than deflate's best ratio (~1032:1) times the file, plus slack: a damaged
 * dataspace claiming more is refused before anything is allocated for it. */
#define MAX_EXPANSION 1100u
#define EXPANSION_SLACK ((uint64_t)1 << 20)

static int damaged(struct rctx *c, const char *table, const char *what) {
  return h5s_fail(&c->e, "%s: table %s is damaged (%s)", c->path, table, what);
}

/* Variable-length data goes through our own malloc/free, so the job owns what H5Dread returns. */
static void *vlen_alloc(size_t size, void *info) { (void)info; return malloc(size); }
static void vlen_free(void *p, void *info) { (void)info; free(p); }

static hid_t vlen_dxpl(void) {
  hid_t dxpl = H5Pcreate(H5P_DATASET_XFER);
  if (dxpl >= 0 && H5Pset_vlen_mem_manager(dxpl, vlen_alloc, NULL, vlen_free, NULL) < 0) {
    H5Pclose(dxpl);
    return H5I_INVALID_HID;
  }
  return dxpl;
}

/* ---- the file itself ---- */

static int check_path(struct rctx *c) {
  struct stat st;
  if (stat(c->path, &st) < 0) return h5s_fail(&c->e, "cannot open %s: %s", c->path, strerror(errno));
  if (S_ISDIR(st.st_mode)) return h5s_fail(&c->e, "%s is a directory, not a report", c->path);
  if (!S_ISREG(st.st_mode)) return h5s_fail(&c->e, "%s is not a regular file", c->path);
  int fd = open(c->path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return h5s_fail(&c->e, "cannot open %s: %s", c->path, strerror(errno));
  close(fd);
  if (st.st_size == 0) return h5s_fail(&c->e, "%s is empty, not an HDF5 file", c->path);
  c->file_size = (uint64_t)st.st_size;
  return 0;
}

static hid_t open_file(struct rctx *c) {
  htri_t is = H5Fis_hdf5(c->path);
  if (is <= 0) {
    h5s_fail(&c->e, "%s is not an HDF5 file", c->path);
    return H5I_INVALID_HID;
  }
  hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
#if H5_VERSION_GE(1, 10, 7)
  if (fapl >= 0) H5Pset_file_locking(fapl, 0, 1); /* read-only; locks fail on some file systems */
#endif
  hid_t f = H5Fopen(c->path, H5F_ACC_RDONLY, fapl >= 0 ? fapl : H5P_DEFAULT);
  if (fapl >= 0) H5Pclose(fapl);
  if (f < 0) h5s_fail(&c->e, "%s is a damaged or truncated HDF5 file (HDF5 cannot open it)", c->path);
  return f;
}

/* ---- attributes ---- */

static int read_int_attr(hid_t a, int64_t *v) {
  hid_t space = H5Aget_space(a);
  hssize_t np = space >= 0 ? H5Sget_simple_extent_npoints(space) : -1;
  if (space >= 0) H5Sclose(space);
  if (np != 1) return -1;
  return H5Aread(a, H5T_NATIVE_INT64, v) < 0 ? -1 : 0;
}

/* Reads a scalar string attribute (variable or fixed length) into a malloc'ed string. */
static char *read_str_attr(hid_t a, hid_t ftype) {
  hid_t space = H5Aget_space(a);
  hssize_t np = space >= 0 ? H5Sget_simple_extent_npoints(space) : -1;
  if (space >= 0) H5Sclose(space);
  if (np != 1) return NULL;
  hid_t mt = H5Tget_native_type(ftype, H5T_DIR_ASCEND);
  if (mt < 0) return NULL;
  char *out = NULL;
  if (H5Tis_variable_str(ftype) > 0) {
    char *s = NULL;
    if (H5Aread(a, mt, &s) >= 0) {
      out = strdup(s ? s : "");
      if (s) H5free_memory(s);
    }
  } else {
    size_t size = H5Tget_size(ftype);
    char *buf = (size > 0 && size <= MAX_ATTR_STRING) ? calloc(1, size + 1) : NULL;
    if (buf && H5Aread(a, mt, buf) >= 0) out = buf;
    else free(buf);
  }
  H5Tclose(mt);
  return out;
}

/* Where attr_cb puts what it reads: the job's attributes, keys prefixed (the root's: "", /meta's:
 * WPIO_META_PREFIX). */
struct attr_dest {
  struct wpio_job *job;
  const char *prefix;
};

static herr_t attr_cb(hid_t loc, const char *attr_name, const H5A_info_t *info, void *data) {
  (void)info;
  const struct attr_dest *dest = data;
  struct wpio_job *job = dest->job;
  char name[512];
  snprintf(name, sizeof name, "%s%s", dest->prefix, attr_name);
  hid_t a = H5Aopen(loc, attr_name, H5P_DEFAULT);
  if (a < 0) return 0;
  hid_t ft = H5Aget_type(a);
  H5T_class_t cls = ft >= 0 ? H5Tget_class(ft) : H5T_NO_CLASS;
  int rc = 0;
  if (cls == H5T_INTEGER) {
    int64_t v;
    if (read_int_attr(a, &v) == 0) rc = wpio_job_set_attr_int(job, name, v);
  } else if (cls == H5T_FLOAT) {
    double d;
    char buf[64];
    if (H5Aread(a, H5T_NATIVE_DOUBLE, &d) >= 0) {
      snprintf(buf, sizeof buf, "%.17g", d);
      rc = wpio_job_set_attr(job, name, buf);
    }
  } else if (cls == H5T_STRING) {
    char *s = read_str_attr(a, ft);
    if (s) rc = wpio_job_set_attr(job, name, s);
    free(s);
  }
  /* other classes (arrays, compounds) are not part of the schema: skipped */
  if (ft >= 0) H5Tclose(ft);
  H5Aclose(a);
  return rc < 0 ? -1 : 0;
}

static int read_schema_version(hid_t f, struct rctx *c) {
  if (H5Aexists(f, H5S_SCHEMA_ATTR) <= 0)
    return h5s_fail(&c->e, "%s is an HDF5 file but not a wprof report (no schema_version attribute)",
                c->path);
  hid_t a = H5Aopen(f, H5S_SCHEMA_ATTR, H5P_DEFAULT);
  hid_t ft = a >= 0 ? H5Aget_type(a) : -1;
  int64_t v = 0;
  int ok = ft >= 0 && H5Tget_class(ft) == H5T_INTEGER && read_int_attr(a, &v) == 0;
  if (ft >= 0) H5Tclose(ft);
  if (a >= 0) H5Aclose(a);
  if (!ok) return h5s_fail(&c->e, "%s is not a wprof report (schema_version is not an integer)", c->path);
  if (v > WPIO_SCHEMA_VERSION)
    return h5s_fail(&c->e, "%s has schema_version %" PRId64 "; this wprof reads up to %d", c->path, v,
                WPIO_SCHEMA_VERSION);
  if (v < 1) return h5s_fail(&c->e, "%s has an invalid schema_version %" PRId64, c->path, v);
  return 0;
}

static int read_attrs(hid_t f, struct wpio_job *job, struct rctx *c) {
  hsize_t idx = 0;
  struct attr_dest root = {job, ""}, meta = {job, WPIO_META_PREFIX};
  if (H5Aiterate2(f, H5_INDEX_NAME, H5_ITER_NATIVE, &idx, attr_cb, &root) < 0)
    return h5s_fail(&c->e, "%s: cannot read the root attributes", c->path);
  /* reports written before run metadata have no /meta: nothing to read */
  if (H5Lexists(f, WPIO_META_GROUP, H5P_DEFAULT) <= 0) return 0;
  hid_t g = H5Gopen2(f, WPIO_META_GROUP, H5P_DEFAULT);
  idx = 0;
  /* /meta's attributes become job attributes named WPIO_META_PREFIX "key" */
  herr_t rc = g >= 0 ? H5Aiterate2(g, H5_INDEX_NAME, H5_ITER_NATIVE, &idx, attr_cb, &meta) : -1;
  if (g >= 0) H5Gclose(g);
  if (rc < 0) return h5s_fail(&c->e, "%s: cannot read the %s attributes", c->path, WPIO_META_GROUP);
  return 0;
}

/* ---- datasets ---- */

/* Opens a table that must exist, with a message that says which. */
static hid_t open_table(hid_t f, const char *path, struct rctx *c) {
  if (strncmp(path, H5S_SUMMARY_GROUP "/", sizeof(H5S_SUMMARY_GROUP)) == 0 &&
      H5Lexists(f, H5S_SUMMARY_GROUP, H5P_DEFAULT) <= 0) {
    h5s_fail(&c->e, "%s is not a complete wprof report (no %s group)", c->path, H5S_SUMMARY_GROUP);
    return H5I_INVALID_HID;
  }
  if (H5Lexists(f, path, H5P_DEFAULT) <= 0) {
    h5s_fail(&c->e, "%s is not a complete wprof report (no %s table)", c->path, path);
    return H5I_INVALID_HID;
  }
  H5O_info_t oi;
  if (H5Oget_info_by_name2(f, path, &oi, H5O_INFO_BASIC, H5P_DEFAULT) < 0 || oi.type != H5O_TYPE_DATASET) {
    damaged(c, path, "not a dataset");
    return H5I_INVALID_HID;
  }
  hid_t d = H5Dopen2(f, path, H5P_DEFAULT);
  if (d < 0) damaged(c, path, "cannot open the dataset");
  return d;
}

/* Number of rows of a 1-D dataset, refusing other shapes and sizes the file cannot hold. */
static int table_rows(hid_t d, const char *path, size_t *n, struct rctx *c) {
  hid_t ft = H5Dget_type(d);
  size_t elem = ft >= 0 ? H5Tget_size(ft) : 0;
  if (ft >= 0) H5Tclose(ft);
  if (elem == 0) return damaged(c, path, "no element type");
  hid_t space = H5Dget_space(d);
  if (space < 0) return damaged(c, path, "no dataspace");
  int rank = H5Sget_simple_extent_ndims(space);
  hsize_t dims[H5S_MAX_RANK];
  int ok = rank == 1 && H5Sget_simple_extent_dims(space, dims, NULL) == 1;
  H5Sclose(space);
  if (!ok) return damaged(c, path, "not a one-dimensional table");
  uint64_t limit = c->file_size * MAX_EXPANSION + EXPANSION_SLACK;
  if (dims[0] > MAX_ROWS || dims[0] > limit / elem)
    return damaged(c, path, "claims more rows than the file can hold");
  *n = (size_t)dims[0];
  return 0;
}

/* Every member must lie inside the compound: libhdf5's conversion trusts the offsets it reads and
 * copies out of bounds when a damaged file says otherwise. */
static int members_inside(hid_t ft) {
  size_t size = H5Tget_size(ft);
  int n = H5Tget_nmembers(ft);
  if (size == 0 || n <= 0) return 0;
  for (int i = 0; i < n; i++) {
    hid_t mt = H5Tget_member_type(ft, (unsigned)i);
    size_t msize = mt >= 0 ? H5Tget_size(mt) : 0;
    size_t off = H5Tget_member_offset(ft, (unsigned)i);
    if (mt >= 0) H5Tclose(mt);
    if (msize == 0 || off > size || msize > size - off) return 0;
  }
  return 1;
}

/* Every column of the schema must be a member of the file's compound, of the right class. */
static int check_columns(hid_t d, const struct h5s_table *t, struct rctx *c) {
  hid_t ft = H5Dget_type(d);
  if (ft < 0 || H5Tget_class(ft) != H5T_COMPOUND) {
    if (ft >= 0) H5Tclose(ft);
    return damaged(c, t->path, "not a compound table");
  }
  if (!members_inside(ft)) {
    H5Tclose(ft);
    return damaged(c, t->path, "its row layout is inconsistent");
  }
  int rc = 0;
  for (size_t i = 0; i < t->ncols && rc == 0; i++) {
    int idx = H5Tget_member_index(ft, t->cols[i].name);
    if (idx < 0) {
      char what[128];
      snprintf(what, sizeof what, "no column '%s'", t->cols[i].name);
      rc = damaged(c, t->path, what);
      break;
    }
    H5T_class_t cls = H5Tget_member_class(ft, (unsigned)idx);
    int str_ok = 1;
    if (cls == H5T_STRING) {
      hid_t mt = H5Tget_member_type(ft, (unsigned)idx);
      str_ok = mt >= 0 && H5Tis_variable_str(mt) > 0;
      if (mt >= 0) H5Tclose(mt);
    }
    if (cls != h5s_col_class(t->cols[i].type) || !str_ok) {
      char what[128];
      snprintf(what, sizeof what, "column '%s' has the wrong type", t->cols[i].name);
      rc = damaged(c, t->path, what);
    }
  }
  H5Tclose(ft);
  return rc;
}

/* Frees the strings the read put into `n` rows (NULL-safe, for partial reads too). */
static void free_row_strings(const struct h5s_table *t, void *rows, size_t n) {
  for (size_t i = 0; i < t->ncols; i++) {
    if (t->cols[i].type != H5S_STR) continue;
    for (size_t r = 0; r < n; r++) {
      char **p = (char **)((char *)rows + r * t->row_size + t->cols[i].offset);
      free(*p);
      *p = NULL;
    }
  }
}

/* Reads a whole table into a calloc'ed array of the in-memory rows of `t` (a schema table, or a
 * prefix of its columns for reports written before the later columns existed). */
static int read_table_def(hid_t f, const struct h5s_table *t, void **rows_out, size_t *n_out,
                          struct rctx *c) {
  *rows_out = NULL;
  *n_out = 0;
  hid_t d = open_table(f, t->path, c);
  if (d < 0) return -1;
  size_t n = 0;
  void *rows = NULL;
  hid_t mt = H5I_INVALID_HID, dxpl = H5I_INVALID_HID;
  int rc = -1;
  if (table_rows(d, t->path, &n, c) < 0 || check_columns(d, t, c) < 0) goto out;
  if (n == 0) {
    rc = 0;
    goto out;
  }
  rows = n <= SIZE_MAX / t->row_size ? calloc(n, t->row_size) : NULL;
  if (!rows) {
    damaged(c, t->path, "too large to load");
    goto out;
  }
  mt = h5s_mem_type(t);
  dxpl = vlen_dxpl();
  if (mt < 0 || dxpl < 0) {
    h5s_fail(&c->e, "%s: cannot build the HDF5 types", c->path);
    goto out;
  }
  if (H5Dread(d, mt, H5S_ALL, H5S_ALL, dxpl, rows) < 0) {
    free_row_strings(t, rows, n);
    damaged(c, t->path, "cannot read its data");
    goto out;
  }
  rc = 0;
out:
  if (rc < 0) {
    free(rows);
    rows = NULL;
    n = 0;
  }
  if (mt >= 0) H5Tclose(mt);
  if (dxpl >= 0) H5Pclose(dxpl);
  H5Dclose(d);
  *rows_out = rows;
  *n_out = n;
  return rc;
}

static int read_table(hid_t f, enum h5s_table_id id, void **rows_out, size_t *n_out, struct rctx *c) {
  return read_table_def(f, h5s_table(id), rows_out, n_out, c);
}

/* ---- reports written before issue 10 (same schema_version): no launch configuration in /kernels,
 * no /memory, /stacks or /summary/memory. Read as not-from-a-graph rows and empty tables. ---- */

#define KERNEL_COLS_BEFORE_CONFIG 9

static int dataset_has_member(hid_t f, const char *path, const char *member) {
  if (H5Lexists(f, path, H5P_DEFAULT) <= 0) return 0;
  hid_t d = H5Dopen2(f, path, H5P_DEFAULT);
  hid_t ft = d >= 0 ? H5Dget_type(d) : H5I_INVALID_HID;
  int has = ft >= 0 && H5Tget_class(ft) == H5T_COMPOUND && H5Tget_member_index(ft, member) >= 0;
  if (ft >= 0) H5Tclose(ft);
  if (d >= 0) H5Dclose(d);
  return has;
}

/* The /kernels definition this file was written with: the whole schema, or the columns before the
 * launch configuration when the file has none of it. */
static struct h5s_table kernels_def(hid_t f) {
  struct h5s_table t = *h5s_table(H5S_KERNELS);
  if (!dataset_has_member(f, t.path, "grid_x") && !dataset_has_member(f, t.path, "graph_id"))
    t.ncols = KERNEL_COLS_BEFORE_CONFIG;
  return t;
}

/* A table that later issues added: absent in an older report, which reads as empty. */
static int is_absent(hid_t f, enum h5s_table_id id) {
  const char *path = h5s_table(id)->path;
  if (strncmp(path, H5S_SUMMARY_GROUP "/", sizeof(H5S_SUMMARY_GROUP)) == 0 &&
      H5Lexists(f, H5S_SUMMARY_GROUP, H5P_DEFAULT) <= 0)
    return 0; /* no /summary at all: let the usual check say the report is incomplete */
  return H5Lexists(f, path, H5P_DEFAULT) <= 0;
}

static int read_names(hid_t f, struct wpio_job *job, struct rctx *c) {
  hid_t d = open_table(f, H5S_NAMES_PATH, c);
  if (d < 0) return -1;
  size_t n = 0;
  char **s = NULL;
  hid_t st = H5I_INVALID_HID, ft = H5Dget_type(d), dxpl = H5I_INVALID_HID;
  int rc = -1;
  if (table_rows(d, H5S_NAMES_PATH, &n, c) < 0) goto out;
  if (ft < 0 || H5Tget_class(ft) != H5T_STRING || H5Tis_variable_str(ft) <= 0) {
    damaged(c, H5S_NAMES_PATH, "not a table of variable-length strings");
    goto out;
  }
  if (n > 0) {
    s = n <= SIZE_MAX / sizeof(*s) ? calloc(n, sizeof(*s)) : NULL;
    st = h5s_string_type();
    dxpl = vlen_dxpl();
    if (!s || st < 0 || dxpl < 0) {
      damaged(c, H5S_NAMES_PATH, "too large to load");
      goto out;
    }
    if (H5Dread(d, st, H5S_ALL, H5S_ALL, dxpl, s) < 0) {
      damaged(c, H5S_NAMES_PATH, "cannot read its data");
      goto out;
    }
  }
  rc = 0;
  for (size_t i = 0; i < n && rc == 0; i++) {
    const char *name = s[i] ? s[i] : "";
    uint32_t id = wpio_strtab_intern(&job->names, name, strlen(name));
    if (id == UINT32_MAX) rc = h5s_fail(&c->e, "%s: out of memory", c->path);
    else if (id != i) rc = damaged(c, H5S_NAMES_PATH, "a name appears twice");
  }
out:
  for (size_t i = 0; s && i < n; i++) free(s[i]);
  free(s);
  if (st >= 0) H5Tclose(st);
  if (ft >= 0) H5Tclose(ft);
  if (dxpl >= 0) H5Pclose(dxpl);
  H5Dclose(d);
  return rc;
}

/* ---- per-table checks: everything later code indexes with must be in range ---- */

static int check_id(const struct wpio_job *job, uint32_t id, int32_t rank, const char *table,
                    struct rctx *c) {
  if (id >= job->names.n) return damaged(c, table, "a name_id beyond /names");
  if (rank < 0) return damaged(c, table, "a negative rank");
  return 0;
}

static int read_ranks(hid_t f, struct wpio_job *job, struct rctx *c) {
  void *rows;
  size_t n;
  if (read_table(f, H5S_RANKS, &rows, &n, c) < 0) return -1;
  job->ranks.v = rows;
  job->ranks.n = job->ranks.cap = n;
  for (size_t i = 0; i < n; i++) {
    struct wpio_rank_row *r = &job->ranks.v[i];
    /* null strings (possible from other writers) become empty ones: later code prints them */
    if (!r->hostname) r->hostname = strdup("");
    if (!r->status) r->status = strdup("");
    if (!r->hostname || !r->status) return h5s_fail(&c->e, "%s: out of memory", c->path);
    if (r->rank < 0) return damaged(c, "/ranks", "a negative rank");
  }
  return 0;
}

static int read_windows(hid_t f, struct wpio_job *job, struct rctx *c) {
  void *rows;
  size_t n;
  if (read_table(f, H5S_WINDOWS, &rows, &n, c) < 0) return -1;
  job->windows.v = rows;
  job->windows.n = job->windows.cap = n;
  for (size_t i = 0; i < n; i++)
    if (job->windows.v[i].rank < 0) return damaged(c, "/windows", "a negative rank");
  return 0;
}

static int read_kernels(hid_t f, struct wpio_job *job, struct rctx *c) {
  void *rows;
  size_t n;
  struct h5s_table def = kernels_def(f);
  if (read_table_def(f, &def, &rows, &n, c) < 0) return -1;
  job->kernels.v = rows;
  job->kernels.n = job->kernels.cap = n;
  for (size_t i = 0; i < n; i++) {
    struct wpio_kernel_row *r = &job->kernels.v[i];
    if (def.ncols == KERNEL_COLS_BEFORE_CONFIG) r->graph_id = -1;
    if (check_id(job, r->name_id, r->rank, "/kernels", c) < 0) return -1;
    /* an enum value the memory type does not know converts to -1 */
    if (r->kind < 0 || r->kind >= WPIO_KIND_COUNT) return damaged(c, "/kernels", "an unknown kind");
  }
  return 0;
}

static int read_ranges(hid_t f, struct wpio_job *job, struct rctx *c) {
  void *rows;
  size_t n;
  if (read_table(f, H5S_RANGES, &rows, &n, c) < 0) return -1;
  job->ranges.v = rows;
  job->ranges.n = job->ranges.cap = n;
  for (size_t i = 0; i < n; i++)
    if (check_id(job, job->ranges.v[i].name_id, job->ranges.v[i].rank, "/ranges", c) < 0) return -1;
  return 0;
}

static int read_lite(hid_t f, struct wpio_job *job, struct rctx *c) {
  void *rows;
  size_t n;
  if (read_table(f, H5S_LITE, &rows, &n, c) < 0) return -1;
  job->lite.v = rows;
  job->lite.n = job->lite.cap = n;
  for (size_t i = 0; i < n; i++)
    if (check_id(job, job->lite.v[i].name_id, job->lite.v[i].rank, "/lite", c) < 0) return -1;
  return 0;
}

static int read_mpi(hid_t f, struct wpio_job *job, struct rctx *c) {
  void *rows;
  size_t n;
  if (read_table(f, H5S_MPI, &rows, &n, c) < 0) return -1;
  job->mpi.v = rows;
  job->mpi.n = job->mpi.cap = n;
  for (size_t i = 0; i < n; i++)
    if (check_id(job, job->mpi.v[i].name_id, job->mpi.v[i].rank, "/mpi", c) < 0) return -1;
  return 0;
}

static int read_timeline(hid_t f, struct wpio_job *job, struct rctx *c) {
  void *rows;
  size_t n;
  if (read_table(f, H5S_TIMELINE, &rows, &n, c) < 0) return -1;
  job->timeline.v = rows;
  job->timeline.n = job->timeline.cap = n;
  for (size_t i = 0; i < n; i++) {
    const struct wpio_timeline_row *r = &job->timeline.v[i];
    if (check_id(job, r->name_id, r->rank, "/timeline", c) < 0) return -1;
    if (r->kind < 0 || r->kind >= WPIO_EV_KIND_COUNT) return damaged(c, "/timeline", "an unknown kind");
  }
  return 0;
}

static int read_memory(hid_t f, struct wpio_job *job, struct rctx *c) {
  void *rows;
  size_t n;
  if (is_absent(f, H5S_MEMORY)) return 0;
  if (read_table(f, H5S_MEMORY, &rows, &n, c) < 0) return -1;
  job->memory.v = rows;
  job->memory.n = job->memory.cap = n;
  for (size_t i = 0; i < n; i++) {
    const struct wpio_memory_row *r = &job->memory.v[i];
    if (check_id(job, r->name_id, r->rank, "/memory", c) < 0) return -1;
    if (r->kind < 0 || r->kind >= WPIO_MEM_KIND_COUNT) return damaged(c, "/memory", "an unknown kind");
  }
  return 0;
}

/* /stacks gained `bytes` (allocation stacks) after it first shipped: without it, rows read with 0. */
static int read_stacks(hid_t f, struct wpio_job *job, struct rctx *c) {
  void *rows;
  size_t n;
  if (is_absent(f, H5S_STACKS)) return 0;
  struct h5s_table def = *h5s_table(H5S_STACKS);
  if (!dataset_has_member(f, def.path, "bytes")) def.ncols--;
  if (read_table_def(f, &def, &rows, &n, c) < 0) return -1;
  job->stacks.v = rows;
  job->stacks.n = job->stacks.cap = n;
  for (size_t i = 0; i < n; i++) {
    const struct wpio_stack_row *r = &job->stacks.v[i];
    if (check_id(job, r->name_id, r->rank, "/stacks", c) < 0 ||
        check_id(job, r->stack_id, r->rank, "/stacks", c) < 0)
      return -1;
  }
  return 0;
}

/* /summary/memory: names become ids, as in the other summaries. */
static int read_sum_memory(hid_t f, struct wpio_job *job, struct rctx *c) {
  const struct h5s_table *t = h5s_table(H5S_SUM_MEMORY);
  struct h5s_memsum_mem *rows;
  size_t n;
  if (is_absent(f, H5S_SUM_MEMORY)) return 0;
  if (read_table(f, H5S_SUM_MEMORY, (void **)&rows, &n, c) < 0) return -1;
  struct wpio_memsum_row *out = n ? calloc(n, sizeof(*out)) : NULL;
  int rc = (n && !out) ? h5s_fail(&c->e, "%s: out of memory", c->path) : 0;
  for (size_t i = 0; i < n && rc == 0; i++) {
    const struct h5s_memsum_mem *s = &rows[i];
    const char *name = s->name ? s->name : "";
    uint32_t nid = wpio_strtab_intern(&job->names, name, strlen(name));
    if (nid == UINT32_MAX) rc = h5s_fail(&c->e, "%s: out of memory", c->path);
    out[i] = (struct wpio_memsum_row){
      .name_id = nid, .ranks_present = s->ranks_present, .allocations = s->allocations,
      .frees = s->frees, .bytes_allocated = s->bytes_allocated, .bytes_freed = s->bytes_freed,
      .peak_bytes = s->peak_bytes, .peak_rank = s->peak_rank };
  }
  free_row_strings(t, rows, n);
  free(rows);
  if (rc < 0) {
    free(out);
    return -1;
  }
  job->sum_memory.v = out;
  job->sum_memory.n = job->sum_memory.cap = n;
  return 0;
}

static int read_hist(hid_t f, struct wpio_job *job, struct rctx *c) {
  struct h5s_hist_mem *rows;
  size_t n;
  if (read_table(f, H5S_LITE_HIST, (void **)&rows, &n, c) < 0) return -1;
  int rc = 0;
  if (n > 0) {
    job->lite_hist.v = calloc(n, sizeof(*job->lite_hist.v));
    if (!job->lite_hist.v) rc = h5s_fail(&c->e, "%s: out of memory", c->path);
  }
  for (size_t i = 0; i < n && rc == 0; i++) {
    rc = check_id(job, rows[i].name_id, rows[i].rank, "/lite_hist", c);
    if (rc == 0 && rows[i].bucket >= WPIO_HIST_BUCKETS)
      rc = damaged(c, "/lite_hist", "a bucket beyond the histogram");
    job->lite_hist.v[i] = (struct wpio_hist_row){ rows[i].rank, rows[i].name_id, rows[i].bucket,
                                                  rows[i].count };
    job->lite_hist.n = job->lite_hist.cap = i + 1;
  }
  free(rows);
  return rc;
}

/* Checks that a table of a later issue is there and well formed; its rows are not loaded yet. */
/* A summary table: names become ids (interned, so a name missing from /names is added). */
static int read_summary(hid_t f, struct wpio_job *job, enum h5s_table_id id, struct rctx *c) {
  const struct h5s_table *t = h5s_table(id);
  struct h5s_summary_mem *rows;
  size_t n;
  if (read_table(f, id, (void **)&rows, &n, c) < 0) return -1;
  struct wpio_summary_row *out = n ? calloc(n, sizeof(*out)) : NULL;
  int rc = (n && !out) ? h5s_fail(&c->e, "%s: out of memory", c->path) : 0;
  for (size_t i = 0; i < n && rc == 0; i++) {
    const struct h5s_summary_mem *s = &rows[i];
    const char *name = s->name ? s->name : "";
    uint32_t nid = wpio_strtab_intern(&job->names, name, strlen(name));
    if (nid == UINT32_MAX) rc = h5s_fail(&c->e, "%s: out of memory", c->path);
    else if (id == H5S_SUM_KERNELS && (s->kind < 0 || s->kind >= WPIO_KIND_COUNT))
      rc = damaged(c, t->path, "an unknown kind");
    out[i] = (struct wpio_summary_row){
      .name_id = nid, .kind = id == H5S_SUM_KERNELS ? s->kind : -1,
      .ranks_present = s->ranks_present, .calls = s->calls, .total_ns = s->total_ns,
      .min_rank_ns = s->min_ns, .mean_rank_ns = s->mean_ns, .max_rank_ns = s->max_ns,
      .imbalance = s->imbalance, .slowest_rank = s->slowest_rank, .cpu_self_ns = s->cpu_self_ns,
      .cuda_self_ns = s->cuda_self_ns, .cuda_total_ns = s->cuda_total_ns, .bytes = s->bytes,
      .p50_ns = s->p50_ns, .p90_ns = s->p90_ns, .p99_ns = s->p99_ns };
  }
  free_row_strings(t, rows, n);
  free(rows);
  if (rc < 0) {
    free(out);
    return -1;
  }
  switch (id) {
  case H5S_SUM_KERNELS: job->sum_kernels.v = out; job->sum_kernels.n = job->sum_kernels.cap = n; break;
  case H5S_SUM_RANGES: job->sum_ranges.v = out; job->sum_ranges.n = job->sum_ranges.cap = n; break;
  case H5S_SUM_LITE: job->sum_lite.v = out; job->sum_lite.n = job->sum_lite.cap = n; break;
  case H5S_SUM_MPI: job->sum_mpi.v = out; job->sum_mpi.n = job->sum_mpi.cap = n; break;
  default: free(out); break;
  }
  return 0;
}

/* issue 9's tables; reports written before them have none (read as empty). */
#define READ_PLAIN_TABLE(f, id, vec, c)                                                            \
  do {                                                                                             \
    void *rows_;                                                                                   \
    size_t n_;                                                                                     \
    if (!is_absent(f, id)) {                                                                       \
      if (read_table(f, id, &rows_, &n_, c) < 0) return -1;                                        \
      (vec).v = rows_;                                                                             \
      (vec).n = (vec).cap = n_;                                                                    \
    }                                                                                              \
  } while (0)

static int read_analysis_tables(hid_t f, struct wpio_job *job, struct rctx *c) {
  READ_PLAIN_TABLE(f, H5S_BREAKDOWN, job->breakdown, c);
  READ_PLAIN_TABLE(f, H5S_LAUNCH_LATENCY, job->launch_latency, c);
  READ_PLAIN_TABLE(f, H5S_CUPTI_OVERHEAD, job->cupti_overhead, c);
  READ_PLAIN_TABLE(f, H5S_STRAGGLERS, job->stragglers, c);
  for (size_t i = 0; i < job->launch_latency.n; i++)
    if (check_id(job, job->launch_latency.v[i].name_id, job->launch_latency.v[i].rank, "/launch_latency", c) < 0)
      return -1;
  for (size_t i = 0; i < job->cupti_overhead.n; i++)
    if (check_id(job, job->cupti_overhead.v[i].name_id, job->cupti_overhead.v[i].rank, "/cupti_overhead", c) < 0)
      return -1;
  return 0;
}

static int read_all(hid_t f, struct wpio_job *job, struct rctx *c) {
  if (read_schema_version(f, c) < 0 || read_attrs(f, job, c) < 0 || read_names(f, job, c) < 0 ||
      read_ranks(f, job, c) < 0 || read_windows(f, job, c) < 0)
    return -1;
  if (c->flags & WPIO_H5_READ_HEAD_ONLY) return 0;
  if (read_kernels(f, job, c) < 0 ||
      read_ranges(f, job, c) < 0 || read_lite(f, job, c) < 0 || read_hist(f, job, c) < 0 ||
      read_mpi(f, job, c) < 0 || read_timeline(f, job, c) < 0)
    return -1;
  if (read_summary(f, job, H5S_SUM_KERNELS, c) < 0 || read_summary(f, job, H5S_SUM_RANGES, c) < 0 ||
      read_summary(f, job, H5S_SUM_LITE, c) < 0 || read_summary(f, job, H5S_SUM_MPI, c) < 0)
    return -1;
  if (read_memory(f, job, c) < 0 || read_stacks(f, job, c) < 0 || read_sum_memory(f, job, c) < 0)
    return -1;
  if (read_analysis_tables(f, job, c) < 0) return -1;
  return 0;
}

int wpio_h5_read_report(const char *path, struct wpio_job *job, char *err, size_t errlen) {
  return wpio_h5_read_report_flags(path, job, 0, err, errlen);
}

int wpio_h5_read_report_flags(const char *path, struct wpio_job *job, unsigned flags, char *err,
                              size_t errlen) {
  struct rctx c = { path ? path : "(null)", { err, errlen, 0 }, 0, flags };
  if (err && errlen) err[0] = '\0';
  if (!path || !job) return h5s_fail(&c.e, "no report path");
  if (check_path(&c) < 0) return -1;
  H5E_auto2_t old_fn = NULL;
  void *old_data = NULL;
  H5Eget_auto2(H5E_DEFAULT, &old_fn, &old_data);
  H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
  int rc = -1;
  hid_t f = open_file(&c);
  if (f >= 0) {
    rc = read_all(f, job, &c);
    if (H5Fclose(f) < 0 && rc == 0) rc = h5s_fail(&c.e, "%s: cannot close the file", c.path);
  }
  H5Eset_auto2(H5E_DEFAULT, old_fn, old_data);
  return rc;
}
