/* The report's attributes (h5_read_attrs.c): the schema version checked, the root's and /meta's
 * attributes read into the job's. */
#ifndef H5_READ_ATTRS_H
#define H5_READ_ATTRS_H

#include "h5_read_table.h"

/* The root's schema_version: there, an integer, and one this reader knows. 0, or -1 with one line in c. */
int h5r_read_schema_version(hid_t f, struct h5r_ctx *c);
/* The root's attributes as the job's attributes, then /meta's (when there) as WPIO_META_PREFIX "key".
 * 0, or -1 with one line in c. */
int h5r_read_attrs(hid_t f, struct wpio_job *job, struct h5r_ctx *c);

#endif
