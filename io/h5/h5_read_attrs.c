/* The HDF5 report reader's attributes: schema_version, then the root's and /meta's attributes as job
 * attributes (integers, floats as text, strings; other classes are not part of the schema). */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "h5_read_attrs.h"

#define MAX_ATTR_STRING (1u << 20)

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

int h5r_read_schema_version(hid_t f, struct h5r_ctx *c) {
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

int h5r_read_attrs(hid_t f, struct wpio_job *job, struct h5r_ctx *c) {
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
