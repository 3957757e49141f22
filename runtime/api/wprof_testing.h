/* Test hooks of the runtime (exported, not part of the public API): used by the conformance replay. */
#ifndef WPROF_TESTING_H
#define WPROF_TESTING_H

/* Backend starts and stops since wprof_init. */
int wprof__backend_counts(int *starts, int *stops);
/* The state machine's shutdown event (the first step of wprof_finalize), on its own. */
int wprof__shutdown(void);

/* The next n starts of this rank's collectors fail, as if neither the backend nor the host
 * collectors could start (the session must be initialised). */
int wprof__fail_starts(int n);

#endif
