/* Finalize's report (report.c): called once by the API at wprof_finalize, on every rank. */
#ifndef WPR_REPORT_H
#define WPR_REPORT_H

struct wpr_session;

/* Collective: the finalize clock exchange, this rank's pack (and its spill rewritten when the clock
 * fit changed), the bounded gather on rank 0, and there the report written (the spills removed after
 * a complete one). A WPROF_* status; never aborts. */
int wpr_report_finalize(struct wpr_session *s);

/* The MPI_Finalize wrapper's: with `on`, the next wpr_report_finalize on rank 0 leaves the summaries,
 * the write and the spills' removal to a thread (WPROF_OK returned at once). wpr_report_start starts
 * it just before PMPI_Finalize (1: no thread could start, so the write was done in it, now), and
 * wpr_report_join waits for it after PMPI_Finalize (1: it joined one; 0: none was waiting).
 * wpr_report_deferred: one waits. */
void wpr_report_defer_next(int on);
int wpr_report_start(void);
int wpr_report_join(void);
int wpr_report_deferred(void);

#endif
