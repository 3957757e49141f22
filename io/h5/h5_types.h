/* The HDF5 types of schema v1 (h5_schema.h) as libhdf5 builds them, for the reader. */
#ifndef H5_TYPES_H
#define H5_TYPES_H

#include <hdf5.h>

#include "h5_schema.h"

/* Variable-length UTF-8 string type (caller closes). */
hid_t h5s_string_type(void);
/* The kernel kind enum over a 32-bit integer (caller closes). */
hid_t h5s_kind_type(void);
/* The /timeline event kind enum over a 32-bit integer (caller closes). */
hid_t h5s_event_kind_type(void);
/* The /memory kind enum over a 32-bit integer (caller closes). */
hid_t h5s_mem_kind_type(void);
/* Compound types of a table: the memory type matches the row struct, the file type is packed in
 * column order with little-endian members. Caller closes; H5I_INVALID_HID on failure. */
hid_t h5s_mem_type(const struct h5s_table *t);
hid_t h5s_file_type(const struct h5s_table *t);
/* HDF5 type class a column must have in a file. */
H5T_class_t h5s_col_class(enum h5s_col_type type);

#endif
