/* `wprof diff --format json`. */
#ifndef WPROF_DIFF_JSON_H
#define WPROF_DIFF_JSON_H

#include <stdio.h>

#include "wprof_diff_show.h"

/* JSON form of the tables. 0, or -1 (out of memory or write error). */
int wprof_diff_json(FILE *out, const struct wprof_diff_table *tables, size_t n,
                    const struct wprof_diff_out *o);

#endif
