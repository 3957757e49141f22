/* Finalize's report (report.c): called once by the API at wprof_finalize, on every rank. */
#ifndef WPR_REPORT_H
#define WPR_REPORT_H

struct wpr_session;

/* Collective: the finalize clock exchange, this rank's pack (and its spill rewritten when the clock
 * fit changed), the bounded gather on rank 0, and there the report written (the spills removed after
 * a complete one). A WPROF_* status; never aborts. */
int wpr_report_finalize(struct wpr_session *s);

#endif
