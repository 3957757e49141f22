/* Clock alignment, the session's side (clock_exchange.c): the init exchange (and the clock the
 * exchanges read), a sync point's sample, the finalize exchange. Each leaves the best fit so far in
 * s->clock. Only the thread that drives the session calls them. */
#ifndef WPR_CLOCK_EXCHANGE_H
#define WPR_CLOCK_EXCHANGE_H

#include <stdint.h>

struct wpr_session;
struct wpc_clock_sample;
void wpr_clock_session_begin(struct wpr_session *s);
/* An explicit init over the automatic session's communicator: its samples stand (no second exchange),
 * moved by shift_ns when the test hook WPROF_CLOCK_TEST_OFFSET_NS moved this rank's clock since. */
void wpr_clock_session_keep(struct wpr_session *s, int64_t shift_ns);
void wpr_clock_note_sync(struct wpr_session *s, const struct wpc_clock_sample *x);
/* The finalize exchange and refit (collective); 1 when the fit changed. */
int wpr_clock_session_end(struct wpr_session *s);

#endif
