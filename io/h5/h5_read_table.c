/* The HDF5 report reader's tables: each one opened, its shape, size and column types checked against
 * schema v1, then read whole into in-memory rows, so a damaged table becomes one clear line. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "h5_read_table.h"

/* Refuse tables beyond this many rows: a damaged header must not make us allocate terabytes. */
#define MAX_ROWS ((hsize_t)1 << 32)

/* No table can hold more than deflate's best ratio (~1032:1) times the file, plus slack: a damaged
 * dataspace claiming more is refused before anything is allocated for it. */
#define MAX_EXPANSION 1100u
#define EXPANSION_SLACK ((uint64_t)1 << 20)

int h5r_damaged(struct h5r_ctx *c, const char *table, const char *what) {
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

/* ---- datasets ---- */

/* Opens a table that must exist, with a message that says which. */
static hid_t open_table(hid_t f, const char *path, struct h5r_ctx *c) {
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
    h5r_damaged(c, path, "not a dataset");
    return H5I_INVALID_HID;
  }
  hid_t d = H5Dopen2(f, path, H5P_DEFAULT);
  if (d < 0) h5r_damaged(c, path, "cannot open the dataset");
  return d;
}

/* Number of rows of a 1-D dataset, refusing other shapes and sizes the file cannot hold. */
static int table_rows(hid_t d, const char *path, size_t *n, struct h5r_ctx *c) {
  hid_t ft = H5Dget_type(d);
  size_t elem = ft >= 0 ? H5Tget_size(ft) : 0;
  if (ft >= 0) H5Tclose(ft);
  if (elem == 0) return h5r_damaged(c, path, "no element type");
  hid_t space = H5Dget_space(d);
  if (space < 0) return h5r_damaged(c, path, "no dataspace");
  int rank = H5Sget_simple_extent_ndims(space);
  hsize_t dims[H5S_MAX_RANK];
  int ok = rank == 1 && H5Sget_simple_extent_dims(space, dims, NULL) == 1;
  H5Sclose(space);
  if (!ok) return h5r_damaged(c, path, "not a one-dimensional table");
  uint64_t limit = c->file_size * MAX_EXPANSION + EXPANSION_SLACK;
  if (dims[0] > MAX_ROWS || dims[0] > limit / elem)
    return h5r_damaged(c, path, "claims more rows than the file can hold");
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
static int check_columns(hid_t d, const struct h5s_table *t, struct h5r_ctx *c) {
  hid_t ft = H5Dget_type(d);
  if (ft < 0 || H5Tget_class(ft) != H5T_COMPOUND) {
    if (ft >= 0) H5Tclose(ft);
    return h5r_damaged(c, t->path, "not a compound table");
  }
  if (!members_inside(ft)) {
    H5Tclose(ft);
    return h5r_damaged(c, t->path, "its row layout is inconsistent");
  }
  int rc = 0;
  for (size_t i = 0; i < t->ncols && rc == 0; i++) {
    int idx = H5Tget_member_index(ft, t->cols[i].name);
    if (idx < 0) {
      char what[128];
      snprintf(what, sizeof what, "no column '%s'", t->cols[i].name);
      rc = h5r_damaged(c, t->path, what);
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
      rc = h5r_damaged(c, t->path, what);
    }
  }
  H5Tclose(ft);
  return rc;
}

/* Frees the strings the read put into `n` rows (NULL-safe, for partial reads too). */
void h5r_free_row_strings(const struct h5s_table *t, void *rows, size_t n) {
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
int h5r_read_table_def(hid_t f, const struct h5s_table *t, void **rows_out, size_t *n_out,
                          struct h5r_ctx *c) {
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
    h5r_damaged(c, t->path, "too large to load");
    goto out;
  }
  mt = h5s_mem_type(t);
  dxpl = vlen_dxpl();
  if (mt < 0 || dxpl < 0) {
    h5s_fail(&c->e, "%s: cannot build the HDF5 types", c->path);
    goto out;
  }
  if (H5Dread(d, mt, H5S_ALL, H5S_ALL, dxpl, rows) < 0) {
    h5r_free_row_strings(t, rows, n);
    h5r_damaged(c, t->path, "cannot read its data");
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

int h5r_read_table(hid_t f, enum h5s_table_id id, void **rows_out, size_t *n_out, struct h5r_ctx *c) {
  return h5r_read_table_def(f, h5s_table(id), rows_out, n_out, c);
}

/* ---- what reports of earlier writers lack ---- */

/* Whether the compound table at path has the column `member` (0 when there is no such table). */
int h5r_table_has_member(hid_t f, const char *path, const char *member) {
  if (H5Lexists(f, path, H5P_DEFAULT) <= 0) return 0;
  hid_t d = H5Dopen2(f, path, H5P_DEFAULT);
  hid_t ft = d >= 0 ? H5Dget_type(d) : H5I_INVALID_HID;
  int has = ft >= 0 && H5Tget_class(ft) == H5T_COMPOUND && H5Tget_member_index(ft, member) >= 0;
  if (ft >= 0) H5Tclose(ft);
  if (d >= 0) H5Dclose(d);
  return has;
}

/* A table that later issues added: absent in an older report, which reads as empty. */
int h5r_table_absent(hid_t f, enum h5s_table_id id) {
  const char *path = h5s_table(id)->path;
  if (strncmp(path, H5S_SUMMARY_GROUP "/", sizeof(H5S_SUMMARY_GROUP)) == 0 &&
      H5Lexists(f, H5S_SUMMARY_GROUP, H5P_DEFAULT) <= 0)
    return 0; /* no /summary at all: let the usual check say the report is incomplete */
  return H5Lexists(f, path, H5P_DEFAULT) <= 0;
}

/* ---- /names ---- */

int h5r_read_names(hid_t f, struct wpio_job *job, struct h5r_ctx *c) {
  hid_t d = open_table(f, H5S_NAMES_PATH, c);
  if (d < 0) return -1;
  size_t n = 0;
  char **s = NULL;
  hid_t st = H5I_INVALID_HID, ft = H5Dget_type(d), dxpl = H5I_INVALID_HID;
  int rc = -1;
  if (table_rows(d, H5S_NAMES_PATH, &n, c) < 0) goto out;
  if (ft < 0 || H5Tget_class(ft) != H5T_STRING || H5Tis_variable_str(ft) <= 0) {
    h5r_damaged(c, H5S_NAMES_PATH, "not a table of variable-length strings");
    goto out;
  }
  if (n > 0) {
    s = n <= SIZE_MAX / sizeof(*s) ? calloc(n, sizeof(*s)) : NULL;
    st = h5s_string_type();
    dxpl = vlen_dxpl();
    if (!s || st < 0 || dxpl < 0) {
      h5r_damaged(c, H5S_NAMES_PATH, "too large to load");
      goto out;
    }
    if (H5Dread(d, st, H5S_ALL, H5S_ALL, dxpl, s) < 0) {
      h5r_damaged(c, H5S_NAMES_PATH, "cannot read its data");
      goto out;
    }
  }
  rc = 0;
  for (size_t i = 0; i < n && rc == 0; i++) {
    const char *name = s[i] ? s[i] : "";
    uint32_t id = wpio_strtab_intern(&job->names, name, strlen(name));
    if (id == UINT32_MAX) rc = h5s_fail(&c->e, "%s: out of memory", c->path);
    else if (id != i) rc = h5r_damaged(c, H5S_NAMES_PATH, "a name appears twice");
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
