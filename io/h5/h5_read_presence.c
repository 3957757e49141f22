/* Which ranks have rows in each per-rank table of a report (wpio_h5.h: wpio_h5_read_presence), read
 * cheaply: the row count and the rank_spans attribute the writer leaves, the rank column only when
 * that attribute is absent (reports of earlier writers, or too many spans). */
#include <hdf5.h>
#include <stdio.h>
#include <stdlib.h>

#include "h5_types.h"
#include "wpio_h5.h"

_Static_assert(WPIO_H5_PRESENCE_TABLES == H5S_SPANS_TABLES, "one presence entry per table with rank spans");

/* The rank_spans attribute of an open table; 0 when read, -1 when absent or unusable. */
static int read_spans(hid_t d, struct wpio_rank_presence *p) {
  if (H5Aexists(d, WPIO_H5_RANK_SPANS_ATTR) <= 0) return -1;
  hid_t a = H5Aopen(d, WPIO_H5_RANK_SPANS_ATTR, H5P_DEFAULT);
  hid_t space = a >= 0 ? H5Aget_space(a) : H5I_INVALID_HID;
  hssize_t np = space >= 0 ? H5Sget_simple_extent_npoints(space) : -1;
  int rc = -1;
  if (np > 0 && np % 2 == 0 && np <= (1 << 20)) {
    int32_t *spans = malloc((size_t)np * sizeof *spans);
    if (spans && H5Aread(a, H5T_NATIVE_INT32, spans) >= 0) rc = wpio_presence_from_spans(p, spans, (size_t)np / 2);
    free(spans);
  }
  if (space >= 0) H5Sclose(space);
  if (a >= 0) H5Aclose(a);
  return rc;
}

/* The rank column alone. */
static int read_rank_column(hid_t d, struct wpio_rank_presence *p) {
  hid_t mt = H5Tcreate(H5T_COMPOUND, sizeof(int32_t));
  int rc = -1;
  if (mt >= 0 && H5Tinsert(mt, "rank", 0, H5T_NATIVE_INT32) >= 0) {
    p->ranks = malloc(p->rows * sizeof *p->ranks);
    if (p->ranks && H5Dread(d, mt, H5S_ALL, H5S_ALL, H5P_DEFAULT, p->ranks) >= 0) {
      wpio_presence_distinct(p, p->rows);
      rc = 0;
    }
  }
  if (mt >= 0) H5Tclose(mt);
  return rc;
}

static int read_table(hid_t f, const char *path, struct wpio_rank_presence *p, char *why, size_t whylen) {
  *p = (struct wpio_rank_presence){path, 0, NULL, 0};
  if (H5Lexists(f, path, H5P_DEFAULT) <= 0) return 0; /* a table of a later issue: an older report */
  hid_t d = H5Dopen2(f, path, H5P_DEFAULT);
  hid_t space = d >= 0 ? H5Dget_space(d) : H5I_INVALID_HID;
  hsize_t dims[1] = {0};
  int ok = space >= 0 && H5Sget_simple_extent_ndims(space) == 1 && H5Sget_simple_extent_dims(space, dims, NULL) == 1;
  if (space >= 0) H5Sclose(space);
  int rc = 0;
  if (!ok) {
    snprintf(why, whylen, "table %s is damaged (not a one-dimensional table)", path);
    rc = -1;
  } else if ((p->rows = (size_t)dims[0]) > 0 && read_spans(d, p) < 0) {
    wpio_presence_free(p);
    p->rows = (size_t)dims[0];
    if (read_rank_column(d, p) < 0) {
      snprintf(why, whylen, "table %s is damaged (its rank column cannot be read)", path);
      rc = -1;
    }
  }
  if (d >= 0) H5Dclose(d);
  return rc;
}

int wpio_h5_read_presence(const char *path, struct wpio_rank_presence *out, char *err, size_t errlen) {
  for (int i = 0; i < H5S_SPANS_TABLES; i++)
    out[i] = (struct wpio_rank_presence){h5s_table(h5s_spans_tables[i])->path, 0, NULL, 0};
  H5E_auto2_t old_fn = NULL;
  void *old_data = NULL;
  H5Eget_auto2(H5E_DEFAULT, &old_fn, &old_data);
  H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
  hid_t f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
  int rc = f >= 0 ? 0 : -1;
  char why[512] = "";
  if (f < 0) snprintf(why, sizeof why, "HDF5 cannot open it");
  for (int i = 0; rc == 0 && i < H5S_SPANS_TABLES; i++)
    rc = read_table(f, h5s_table(h5s_spans_tables[i])->path, &out[i], why, sizeof why);
  if (f >= 0) H5Fclose(f);
  H5Eset_auto2(H5E_DEFAULT, old_fn, old_data);
  if (rc < 0) snprintf(err, errlen, "%s: %s", path, why);
  return rc;
}
