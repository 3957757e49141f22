/* HDF5 object headers and messages, encoded as the File Format Specification 3.0 says (sections
 * IV.A.1.b, IV.A.2) and as HDF5 1.8 and later read them. */
#include "h5f_msg.h"

#include <string.h>

#include "wpio_job.h"

/* ---- datatypes (IV.A.2.d) ---- */

/* class and version byte, then the 24 class bits, then the size */
static void dt_head(struct h5f_buf *b, unsigned cls, unsigned version, uint32_t bits, uint32_t size) {
  h5f_put_u8(b, (version << 4) | cls);
  h5f_put_u8(b, bits & 0xff);
  h5f_put_u8(b, (bits >> 8) & 0xff);
  h5f_put_u8(b, (bits >> 16) & 0xff);
  h5f_put_u32(b, size);
}

void h5f_dt_int(struct h5f_buf *b, unsigned size, int is_signed) {
  dt_head(b, 0, 1, is_signed ? 0x08 : 0, size); /* little-endian, zero padding */
  h5f_put_u16(b, 0);        /* bit offset */
  h5f_put_u16(b, size * 8); /* bit precision */
}

/* IEEE 754 double, little-endian: mantissa normalization "implied 1" (bits 4-5 = 2), sign at bit 63 */
static void dt_f64(struct h5f_buf *b) {
  dt_head(b, 1, 1, 0x20 | (63u << 8), 8);
  h5f_put_u16(b, 0);
  h5f_put_u16(b, 64);
  h5f_put_u8(b, 52); /* exponent location */
  h5f_put_u8(b, 11); /* exponent size */
  h5f_put_u8(b, 0);  /* mantissa location */
  h5f_put_u8(b, 52); /* mantissa size */
  h5f_put_u32(b, 1023);
}

/* A variable-length string: class 9, type 1 (string), null-terminated, UTF-8; 16 bytes in the file
 * (length, global heap collection address, object index); its base type an unsigned byte, as
 * HDF5 itself writes it. */
void h5f_dt_vstring(struct h5f_buf *b) {
  dt_head(b, 9, 1, 0x01 | (1u << 8), 16);
  h5f_dt_int(b, 1, 0);
}

/* An enum (version 3: names unpadded) over a signed 32-bit integer, values 0..count-1. */
static void dt_enum(struct h5f_buf *b, int count, const char *(*name_of)(int)) {
  dt_head(b, 8, 3, (uint32_t)count, 4);
  h5f_dt_int(b, 4, 1);
  for (int k = 0; k < count; k++) {
    const char *name = name_of(k);
    h5f_put_bytes(b, name, strlen(name) + 1);
  }
  for (int k = 0; k < count; k++) h5f_put_u32(b, (uint32_t)k);
}

static void dt_column(struct h5f_buf *b, enum h5s_col_type type) {
  switch (type) {
  case H5S_I32: h5f_dt_int(b, 4, 1); break;
  case H5S_U32: h5f_dt_int(b, 4, 0); break;
  case H5S_I64: h5f_dt_int(b, 8, 1); break;
  case H5S_U64: h5f_dt_int(b, 8, 0); break;
  case H5S_F64: dt_f64(b); break;
  case H5S_STR: h5f_dt_vstring(b); break;
  case H5S_KIND: dt_enum(b, WPIO_KIND_COUNT, wpio_kind_name); break;
  case H5S_EVKIND: dt_enum(b, WPIO_EV_KIND_COUNT, wpio_event_kind_name); break;
  case H5S_MEMKIND: dt_enum(b, WPIO_MEM_KIND_COUNT, wpio_mem_kind_name); break;
  }
}

/* Version 3 compound: member names unpadded, each member's offset in as few bytes as the
 * compound's size needs ((log2(size) / 8) + 1, as HDF5 decodes it). */
void h5f_dt_table(struct h5f_buf *b, const struct h5s_table *t) {
  uint32_t size = (uint32_t)h5s_file_row_size(t);
  dt_head(b, 6, 3, (uint32_t)t->ncols, size);
  unsigned log2 = 0;
  while ((size >> log2) > 1) log2++;
  unsigned offset_bytes = log2 / 8 + 1;
  uint32_t off = 0;
  for (size_t i = 0; i < t->ncols; i++) {
    h5f_put_bytes(b, t->cols[i].name, strlen(t->cols[i].name) + 1);
    for (unsigned k = 0; k < offset_bytes; k++) h5f_put_u8(b, (off >> (8 * k)) & 0xff);
    dt_column(b, t->cols[i].type);
    off += (uint32_t)h5s_col_file_size(t->cols[i].type);
  }
}

/* ---- dataspaces (IV.A.2.b, version 2) ---- */

void h5f_space_scalar(struct h5f_buf *b) {
  h5f_put_u8(b, 2);
  h5f_put_u8(b, 0); /* rank */
  h5f_put_u8(b, 0); /* flags */
  h5f_put_u8(b, 0); /* scalar */
}

void h5f_space_1d(struct h5f_buf *b, uint64_t n, int unlimited) {
  h5f_put_u8(b, 2);
  h5f_put_u8(b, 1);
  h5f_put_u8(b, unlimited ? 1 : 0); /* maximum dimensions present */
  h5f_put_u8(b, 1);                 /* simple */
  h5f_put_u64(b, n);
  if (unlimited) h5f_put_u64(b, H5F_UNDEF);
}

/* ---- object headers (IV.A.1.b, version 2) ---- */

void h5f_oh_msg(struct h5f_oh *h, unsigned type, const void *data, size_t n) {
  if (n > 0xffff) {
    h->msgs.failed = 1;
    return;
  }
  h5f_put_u8(&h->msgs, type);
  h5f_put_u16(&h->msgs, (unsigned)n);
  h5f_put_u8(&h->msgs, 0); /* message flags */
  h5f_put_bytes(&h->msgs, data, n);
}

void h5f_oh_attr(struct h5f_oh *h, const char *name, const struct h5f_buf *dtype, const struct h5f_buf *space,
                 const void *value, size_t n) {
  struct h5f_buf b = {0};
  size_t name_len = strlen(name) + 1;
  int utf8 = 0;
  for (const unsigned char *p = (const unsigned char *)name; *p; p++) utf8 |= *p >= 0x80;
  h5f_put_u8(&b, 3); /* version 3: name, datatype and dataspace unpadded */
  h5f_put_u8(&b, 0);
  h5f_put_u16(&b, (unsigned)name_len);
  h5f_put_u16(&b, (unsigned)dtype->n);
  h5f_put_u16(&b, (unsigned)space->n);
  h5f_put_u8(&b, utf8 ? 1 : 0); /* the name's character set */
  h5f_put_bytes(&b, name, name_len);
  h5f_put_bytes(&b, dtype->p, dtype->n);
  h5f_put_bytes(&b, space->p, space->n);
  h5f_put_bytes(&b, value, n);
  if (b.failed || name_len > 0xffff || dtype->failed || space->failed) h->msgs.failed = 1;
  else h5f_oh_msg(h, H5F_MSG_ATTRIBUTE, b.p, b.n);
  h5f_buf_free(&b);
}

/* Link info (version 0, no creation order, no dense storage) and group info (version 0, the default
 * phase-change values): the messages of a group whose links all sit in its header. */
void h5f_oh_group(struct h5f_oh *h) {
  unsigned char linfo[18] = {0, 0};
  h5f_le64(linfo + 2, H5F_UNDEF); /* fractal heap */
  h5f_le64(linfo + 10, H5F_UNDEF); /* name index v2 B-tree */
  h5f_oh_msg(h, H5F_MSG_LINK_INFO, linfo, sizeof linfo);
  unsigned char ginfo[2] = {0, 0};
  h5f_oh_msg(h, H5F_MSG_GROUP_INFO, ginfo, sizeof ginfo);
}

void h5f_oh_link(struct h5f_oh *h, const char *name, uint64_t addr) {
  struct h5f_buf b = {0};
  size_t len = strlen(name);
  int utf8 = 0;
  for (const unsigned char *p = (const unsigned char *)name; *p; p++) utf8 |= *p >= 0x80;
  h5f_put_u8(&b, 1); /* version */
  /* bits 0-1: size of the length field (1 or 2 bytes); bit 4: character set present (bit 3 would
   * say a link type follows); no type: a hard link */
  h5f_put_u8(&b, (len > 0xff ? 1u : 0u) | (utf8 ? 0x10u : 0u));
  if (utf8) h5f_put_u8(&b, 1);
  if (len > 0xff) h5f_put_u16(&b, (unsigned)len);
  else h5f_put_u8(&b, (unsigned)len);
  h5f_put_bytes(&b, name, len);
  h5f_put_u64(&b, addr);
  if (b.failed || len == 0 || len > 0xffff) h->msgs.failed = 1;
  else h5f_oh_msg(h, H5F_MSG_LINK, b.p, b.n);
  h5f_buf_free(&b);
}

/* Fill value message version 3: the default fill value; space allocated late (contiguous) or
 * incrementally (chunked), written if set, as HDF5 writes for its defaults. */
static void fill_value(struct h5f_oh *h, int chunked) {
  unsigned char fill[2] = {3, (unsigned char)((chunked ? 3u : 2u) | (2u << 2))};
  h5f_oh_msg(h, H5F_MSG_FILL, fill, sizeof fill);
}

void h5f_oh_contiguous(struct h5f_oh *h, uint64_t addr, uint64_t size) {
  fill_value(h, 0);
  unsigned char layout[18] = {3, 1}; /* version 3, contiguous */
  h5f_le64(layout + 2, addr);
  h5f_le64(layout + 10, size);
  h5f_oh_msg(h, H5F_MSG_LAYOUT, layout, sizeof layout);
}

void h5f_oh_chunked(struct h5f_oh *h, uint64_t btree, uint32_t chunk_rows, uint32_t elem_size, int deflate_level) {
  fill_value(h, 1);
  /* filter pipeline version 2: shuffle (id 2, its one parameter the element size), then deflate
   * (id 1, the level); both optional, as HDF5's H5Pset_shuffle and H5Pset_deflate make them */
  unsigned char filters[2 + 2 * 10] = {2, 2};
  unsigned char *f = filters + 2;
  h5f_le16(f, 2), h5f_le16(f + 2, 1), h5f_le16(f + 4, 1), h5f_le32(f + 6, elem_size);
  f += 10;
  h5f_le16(f, 1), h5f_le16(f + 2, 1), h5f_le16(f + 4, 1), h5f_le32(f + 6, (uint32_t)deflate_level);
  h5f_oh_msg(h, H5F_MSG_FILTERS, filters, sizeof filters);
  /* layout version 3, chunked: dimensionality 2 (the rows, then the element's bytes), the v1 B-tree,
   * the chunk's dimensions */
  unsigned char layout[3 + 8 + 8] = {3, 2, 2};
  h5f_le64(layout + 3, btree);
  h5f_le32(layout + 11, chunk_rows);
  h5f_le32(layout + 15, elem_size);
  h5f_oh_msg(h, H5F_MSG_LAYOUT, layout, sizeof layout);
}

uint64_t h5f_oh_write(struct h5f_out *o, struct h5f_oh *h) {
  if (h->msgs.failed) {
    h5f_oh_free(h);
    return H5F_UNDEF;
  }
  size_t n = h->msgs.n;
  /* flags bits 0-1: the width of the chunk size field; no times, no attribute phase change values */
  unsigned width = n <= 0xff ? 0 : n <= 0xffff ? 1 : 2;
  size_t field = (size_t)1 << width;
  struct h5f_buf b = {0};
  h5f_put_bytes(&b, "OHDR", 4);
  h5f_put_u8(&b, 2);
  h5f_put_u8(&b, width);
  unsigned char *size = h5f_put(&b, field);
  if (size) for (size_t k = 0; k < field; k++) size[k] = (unsigned char)((uint64_t)n >> (8 * k));
  h5f_put_bytes(&b, h->msgs.p, n);
  uint32_t sum = b.failed ? 0 : h5f_lookup3(b.p, b.n);
  h5f_put_u32(&b, sum);
  uint64_t at = b.failed ? H5F_UNDEF : h5f_append(o, b.p, b.n);
  h5f_buf_free(&b);
  h5f_oh_free(h);
  return at;
}

void h5f_oh_free(struct h5f_oh *h) { h5f_buf_free(&h->msgs); }

int h5f_superblock(struct h5f_out *o, uint64_t root) {
  unsigned char sb[H5F_SUPERBLOCK_SIZE] = {0x89, 'H', 'D', 'F', '\r', '\n', 0x1a, '\n', 2, 8, 8, 0};
  h5f_le64(sb + 12, 0);          /* base address */
  h5f_le64(sb + 20, H5F_UNDEF);  /* no superblock extension */
  h5f_le64(sb + 28, o->eof);     /* end of file */
  h5f_le64(sb + 36, root);       /* root group object header */
  h5f_le32(sb + 44, h5f_lookup3(sb, 44));
  return h5f_write(o, 0, sb, sizeof sb);
}
