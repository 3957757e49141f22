/* `wprof compare`'s scaling chart. */
#ifndef WPROF_COMPARE_CHART_H
#define WPROF_COMPARE_CHART_H

#include "wprof_compare_out.h"
#include "wprof_draw.h"

/* Mean time per rank against the rank count, log-log, per group. 0, or -1 (a reason in d->err). */
int wprof_compare_chart(struct wprof_draw *d, const struct wprof_compare *c);

#endif
