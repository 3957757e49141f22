/* `wprof trace` internals: the table of tracks (a per-rank small id for each host thread and GPU
 * stream) that the exporter numbers before it writes any event. */
#ifndef WPROF_TRACE_H
#define WPROF_TRACE_H

#include <stddef.h>
#include <stdint.h>

/* The row of windows taken from /windows (no /timeline window events on that rank). */
#define WPROF_TRACK_WINDOWS INT64_MIN

struct wprof_track {
  int32_t rank;
  int32_t tid;     /* 1.. within the rank, after wprof_tracks_number() */
  int64_t track;   /* as in /timeline, or WPROF_TRACK_WINDOWS */
  uint64_t events;
};

struct wprof_tracks {
  struct wprof_track *v;
  size_t n, cap;
  uint32_t *slots;  /* open addressing: index + 1, 0 = empty */
  size_t nslots;
  size_t *order;    /* v's indices by rank, then track order (after numbering) */
};

/* The index of (rank, track), added when new; -1 when out of memory. */
long wprof_tracks_add(struct wprof_tracks *t, int32_t rank, int64_t track);
long wprof_tracks_find(const struct wprof_tracks *t, int32_t rank, int64_t track);
/* Gives every track its tid and fills `order`. 0 or -1 (out of memory). */
int wprof_tracks_number(struct wprof_tracks *t);
void wprof_tracks_free(struct wprof_tracks *t);

#endif
