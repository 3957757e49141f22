/* Run metadata: what a rank can find out about its run by itself (hosts, world size, MPI library,
 * GPU, command line, non-default WPROF_* settings, git commit) plus the user's WPROF_META keys. They
 * travel as job attributes named WPIO_META_PREFIX "key" (so spills keep them); the HDF5 writer
 * stores them as the attributes of the /meta group. */
#ifndef WPR_META_H
#define WPR_META_H

#include "session.h"
#include "wpio_job.h"

/* Sets every meta attribute this rank knows into `job`. Hosts come from job->ranks (rank 0 calls it
 * again after the gather, so the report names every host); the MPI library and git commit are looked
 * up once per session (s->meta_found). Never fails the caller: a key that cannot be found is left out. */
void wpr_meta_set(struct wpr_session *s, struct wpio_job *job);

/* Calls fn(key, value) for each key=value of a WPROF_META text (already validated by the option
 * parser; malformed items are skipped). */
void wpr_meta_each_user(const char *text, void (*fn)(const char *key, const char *value, void *ctx), void *ctx);

#endif
