/* The HDF5 types of schema v1 built with libhdf5, for the reader: the compound of each table in
 * memory (the row struct) and in the file (packed, little-endian), the enums, the string type. */
#include "h5_types.h"

#include <stdlib.h>

#include "wpio_job.h"

hid_t h5s_string_type(void) {
  hid_t t = H5Tcopy(H5T_C_S1);
  if (t < 0) return H5I_INVALID_HID;
  if (H5Tset_size(t, H5T_VARIABLE) < 0 || H5Tset_cset(t, H5T_CSET_UTF8) < 0) {
    H5Tclose(t);
    return H5I_INVALID_HID;
  }
  return t;
}

/* An enum over a 32-bit integer with the names name_of(0..count-1). */
static hid_t enum_type(int32_t count, const char *(*name_of)(int)) {
  hid_t t = H5Tenum_create(H5T_NATIVE_INT32);
  if (t < 0) return H5I_INVALID_HID;
  for (int32_t k = 0; k < count; k++) {
    if (H5Tenum_insert(t, name_of(k), &k) < 0) {
      H5Tclose(t);
      return H5I_INVALID_HID;
    }
  }
  return t;
}

hid_t h5s_kind_type(void) { return enum_type(WPIO_KIND_COUNT, wpio_kind_name); }
hid_t h5s_event_kind_type(void) { return enum_type(WPIO_EV_KIND_COUNT, wpio_event_kind_name); }
hid_t h5s_mem_kind_type(void) { return enum_type(WPIO_MEM_KIND_COUNT, wpio_mem_kind_name); }

/* A column's member type; `file` picks the fixed little-endian form. Caller closes. */
static hid_t col_type(enum h5s_col_type type, int file) {
  switch (type) {
  case H5S_I32: return H5Tcopy(file ? H5T_STD_I32LE : H5T_NATIVE_INT32);
  case H5S_U32: return H5Tcopy(file ? H5T_STD_U32LE : H5T_NATIVE_UINT32);
  case H5S_I64: return H5Tcopy(file ? H5T_STD_I64LE : H5T_NATIVE_INT64);
  case H5S_U64: return H5Tcopy(file ? H5T_STD_U64LE : H5T_NATIVE_UINT64);
  case H5S_F64: return H5Tcopy(file ? H5T_IEEE_F64LE : H5T_NATIVE_DOUBLE);
  case H5S_STR: return h5s_string_type();
  case H5S_KIND: return h5s_kind_type();
  case H5S_EVKIND: return h5s_event_kind_type();
  case H5S_MEMKIND: return h5s_mem_kind_type();
  }
  return H5I_INVALID_HID;
}

H5T_class_t h5s_col_class(enum h5s_col_type type) {
  switch (type) {
  case H5S_F64: return H5T_FLOAT;
  case H5S_STR: return H5T_STRING;
  case H5S_KIND:
  case H5S_EVKIND:
  case H5S_MEMKIND: return H5T_ENUM;
  default: return H5T_INTEGER;
  }
}

/* Builds the compound: memory members at the struct offsets, file members packed in column order. */
static hid_t compound(const struct h5s_table *t, int file) {
  size_t size = 0;
  hid_t *members = calloc(t->ncols, sizeof(*members));
  if (!members) return H5I_INVALID_HID;
  hid_t ct = H5I_INVALID_HID;
  size_t i;
  for (i = 0; i < t->ncols; i++) {
    members[i] = col_type(t->cols[i].type, file);
    if (members[i] < 0) goto out;
    size += H5Tget_size(members[i]);
  }
  ct = H5Tcreate(H5T_COMPOUND, file ? size : t->row_size);
  if (ct < 0) goto out;
  size_t off = 0;
  for (i = 0; i < t->ncols; i++) {
    if (H5Tinsert(ct, t->cols[i].name, file ? off : t->cols[i].offset, members[i]) < 0) {
      H5Tclose(ct);
      ct = H5I_INVALID_HID;
      goto out;
    }
    off += H5Tget_size(members[i]);
  }
out:
  for (size_t j = 0; j < t->ncols; j++)
    if (members[j] > 0) H5Tclose(members[j]);
  free(members);
  return ct;
}

hid_t h5s_mem_type(const struct h5s_table *t) { return compound(t, 0); }
hid_t h5s_file_type(const struct h5s_table *t) { return compound(t, 1); }

