/* Placeholder until crash spills land: nothing is written. */
#include "session.h"

void wpr_spill_write(struct wpr_session *s) { (void)s; }
void wpr_spill_remove(struct wpr_session *s) { (void)s; }
