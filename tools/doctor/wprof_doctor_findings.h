/* `wprof doctor`'s findings: how each check says what a user should not trust, and how the worst of
 * them becomes the exit status. The reader and the checks report through doc_find. */
#ifndef WPROF_DOCTOR_FINDINGS_H
#define WPROF_DOCTOR_FINDINGS_H

#include <jansson.h>

enum doc_severity { DOC_INFO = 0, DOC_WARNING = 1, DOC_ERROR = 2 };

struct doctor {
  int json;
  int worst;        /* highest enum doc_severity found, -1: none */
  json_t *findings; /* JSON mode */
};

/* Records one finding (printed in text mode at once, in JSON mode at the end). */
void doc_find(struct doctor *d, enum doc_severity sev, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#endif
