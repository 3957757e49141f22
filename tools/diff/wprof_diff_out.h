/* `wprof diff` output as text or CSV. */
#ifndef WPROF_DIFF_OUT_H
#define WPROF_DIFF_OUT_H

#include <stdio.h>

#include "wprof_diff_show.h"

/* Prints every table as an aligned text table, or as CSV (o->format). 0, or -1 (out of memory;
 * said on stderr). */
int wprof_diff_print(FILE *out, const struct wprof_diff_table *tables, size_t n,
                     const struct wprof_diff_out *o);
/* "yes", "no", "n/a" (fewer than 2 samples on a side) or "-" (the name is on one side only). */
const char *wprof_diff_sig_name(const struct wprof_diff_change *ch);

#endif
