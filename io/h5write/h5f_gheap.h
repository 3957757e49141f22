/* Variable-length strings in HDF5's global heap (h5f_gheap.c). */
#ifndef H5F_GHEAP_H
#define H5F_GHEAP_H

#include <stddef.h>

#include "h5f_out.h"

/* Size of one string's reference in a dataset or attribute: length, collection address, index. */
#define H5F_VSTR_REF 16

/* Writes strs[0..n) (NULL: "") as global heap objects, in as many collections as they need (at most
 * 65535 objects and about a MiB per collection), and puts each string's reference at
 * refs + i * H5F_VSTR_REF. 0, or -1 when out of memory or the file failed. */
int h5f_strings(struct h5f_out *o, const char *const *strs, size_t n, unsigned char *refs);

#endif
