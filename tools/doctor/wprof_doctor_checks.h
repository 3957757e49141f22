/* The checks of `wprof doctor`. */
#ifndef WPROF_DOCTOR_CHECKS_H
#define WPROF_DOCTOR_CHECKS_H

#include "wprof_doctor_findings.h"
#include "wprof_doctor_input.h"

/* Runs every check on the input; each finding goes to doc_find. */
void doc_check_all(struct doctor *d, const struct doc_input *in);

#endif
