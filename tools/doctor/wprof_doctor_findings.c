/* `wprof doctor`'s findings: one line each on stdout in text mode, gathered for the JSON document in
 * JSON mode; the worst severity is kept for the exit status. */
#include <stdarg.h>
#include <stdio.h>

#include "wprof_doctor_findings.h"

static const char *const severity_names[] = {"info", "warning", "error"};

void doc_find(struct doctor *d, enum doc_severity sev, const char *fmt, ...) {
  char msg[2048];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  if ((int)sev > d->worst) d->worst = (int)sev;
  if (!d->json) {
    printf("%s: %s\n", severity_names[sev], msg);
    return;
  }
  json_t *f = json_pack("{s:s, s:s}", "severity", severity_names[sev], "message", msg);
  if (f) json_array_append_new(d->findings, f);
}
