/* HDF5 object headers and the messages they hold (h5f_msg.c), as the File Format Specification 3.0
 * defines them: version 2 object headers (lookup3 checksum) holding datatype, dataspace, fill value,
 * layout, filter pipeline, link, link info, group info and attribute messages. */
#ifndef H5F_MSG_H
#define H5F_MSG_H

#include <stddef.h>
#include <stdint.h>

#include "h5_schema.h"
#include "h5f_out.h"

/* Datatypes (datatype message bodies). */
void h5f_dt_int(struct h5f_buf *b, unsigned size, int is_signed);
void h5f_dt_vstring(struct h5f_buf *b); /* variable-length UTF-8 string, null-terminated */
/* The packed little-endian compound of a table's file row (h5s_file_row_size bytes). */
void h5f_dt_table(struct h5f_buf *b, const struct h5s_table *t);

/* Dataspaces: scalar, or 1-D of n elements (maximum unlimited when `unlimited`). */
void h5f_space_scalar(struct h5f_buf *b);
void h5f_space_1d(struct h5f_buf *b, uint64_t n, int unlimited);

/* An object header being built: its messages, encoded in order. */
struct h5f_oh {
  struct h5f_buf msgs;
};
/* One message of `type` with body data[0..n) (n <= 65535, else the header is marked failed). */
void h5f_oh_msg(struct h5f_oh *h, unsigned type, const void *data, size_t n);
/* An attribute: name, datatype and dataspace bodies, and the value's n bytes. */
void h5f_oh_attr(struct h5f_oh *h, const char *name, const struct h5f_buf *dtype, const struct h5f_buf *space,
                 const void *value, size_t n);
/* A group: the link info and group info messages (links compact, in the header). */
void h5f_oh_group(struct h5f_oh *h);
/* A hard link named `name` to the object header at addr. */
void h5f_oh_link(struct h5f_oh *h, const char *name, uint64_t addr);
/* A dataset's storage: contiguous (addr, size; H5F_UNDEF and 0 when empty), or chunked with
 * chunk_rows rows of elem_size bytes per chunk and the v1 B-tree at btree (H5F_UNDEF: no chunk),
 * with shuffle + deflate. Adds the fill value, layout and (chunked) filter pipeline messages. */
void h5f_oh_contiguous(struct h5f_oh *h, uint64_t addr, uint64_t size);
void h5f_oh_chunked(struct h5f_oh *h, uint64_t btree, uint32_t chunk_rows, uint32_t elem_size, int deflate_level);
/* Writes the header to the file; its address, or H5F_UNDEF on failure. Frees the messages. */
uint64_t h5f_oh_write(struct h5f_out *o, struct h5f_oh *h);
void h5f_oh_free(struct h5f_oh *h);

/* Message types (the specification's numbers). */
enum {
  H5F_MSG_DATASPACE = 0x01, H5F_MSG_LINK_INFO = 0x02, H5F_MSG_DATATYPE = 0x03, H5F_MSG_FILL = 0x05,
  H5F_MSG_LINK = 0x06, H5F_MSG_LAYOUT = 0x08, H5F_MSG_GROUP_INFO = 0x0A, H5F_MSG_FILTERS = 0x0B,
  H5F_MSG_ATTRIBUTE = 0x0C
};

/* The superblock (version 2) at address 0, 48 bytes (h5f_alloc'ed first), naming the root group. */
#define H5F_SUPERBLOCK_SIZE 48
int h5f_superblock(struct h5f_out *o, uint64_t root);

#endif
