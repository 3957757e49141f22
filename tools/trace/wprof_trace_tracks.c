/* The tracks of a trace export: every (rank, host thread or GPU stream) gets a small stable id per
 * rank, the windows row first, then threads by thread id, then streams by stream id. */
#include <stdlib.h>
#include <string.h>

#include "wprof_trace.h"

static size_t slot_of(int32_t rank, int64_t track, size_t nslots) {
  uint64_t h = (uint64_t)track * 0x9E3779B97F4A7C15ull ^ (uint64_t)(uint32_t)rank * 0xC2B2AE3D27D4EB4Full;
  h ^= h >> 29;
  return (size_t)(h & (nslots - 1));
}

static int grow_slots(struct wprof_tracks *t) {
  size_t nslots = t->nslots ? 2 * t->nslots : 256;
  uint32_t *slots = calloc(nslots, sizeof(*slots));
  if (!slots) return -1;
  for (size_t i = 0; i < t->n; i++) {
    size_t k = slot_of(t->v[i].rank, t->v[i].track, nslots);
    while (slots[k]) k = (k + 1) & (nslots - 1);
    slots[k] = (uint32_t)i + 1;
  }
  free(t->slots);
  t->slots = slots;
  t->nslots = nslots;
  return 0;
}

long wprof_tracks_find(const struct wprof_tracks *t, int32_t rank, int64_t track) {
  if (!t->nslots) return -1;
  for (size_t k = slot_of(rank, track, t->nslots); t->slots[k]; k = (k + 1) & (t->nslots - 1)) {
    const struct wprof_track *e = &t->v[t->slots[k] - 1];
    if (e->rank == rank && e->track == track) return (long)(t->slots[k] - 1);
  }
  return -1;
}

long wprof_tracks_add(struct wprof_tracks *t, int32_t rank, int64_t track) {
  long at = wprof_tracks_find(t, rank, track);
  if (at >= 0) return at;
  if (t->n >= UINT32_MAX - 1) return -1;
  if (2 * (t->n + 1) > t->nslots && grow_slots(t) < 0) return -1;
  if (t->n == t->cap) {
    size_t cap = t->cap ? 2 * t->cap : 64;
    struct wprof_track *v = realloc(t->v, cap * sizeof(*v));
    if (!v) return -1;
    t->v = v;
    t->cap = cap;
  }
  t->v[t->n] = (struct wprof_track){ .rank = rank, .track = track };
  size_t k = slot_of(rank, track, t->nslots);
  while (t->slots[k]) k = (k + 1) & (t->nslots - 1);
  t->slots[k] = (uint32_t)t->n + 1;
  return (long)t->n++;
}

/* Order within a rank: the windows row, host threads by id, then GPU streams by id. */
static int track_order(int64_t a, int64_t b) {
  int ca = a == WPROF_TRACK_WINDOWS ? 0 : a >= 0 ? 1 : 2;
  int cb = b == WPROF_TRACK_WINDOWS ? 0 : b >= 0 ? 1 : 2;
  if (ca != cb) return ca < cb ? -1 : 1;
  if (ca == 2) { a = -a; b = -b; } /* streams: WPIO_TRACK_STREAM is decreasing in the stream id */
  return a < b ? -1 : a > b;
}

static const struct wprof_track *sort_base;

static int cmp_index(const void *pa, const void *pb) {
  const struct wprof_track *a = &sort_base[*(const size_t *)pa], *b = &sort_base[*(const size_t *)pb];
  if (a->rank != b->rank) return a->rank < b->rank ? -1 : 1;
  return track_order(a->track, b->track);
}

int wprof_tracks_number(struct wprof_tracks *t) {
  free(t->order);
  t->order = malloc((t->n ? t->n : 1) * sizeof(*t->order));
  if (!t->order) return -1;
  for (size_t i = 0; i < t->n; i++) t->order[i] = i;
  sort_base = t->v;
  qsort(t->order, t->n, sizeof(*t->order), cmp_index);
  int32_t tid = 0;
  for (size_t i = 0; i < t->n; i++) {
    struct wprof_track *e = &t->v[t->order[i]];
    tid = (i == 0 || t->v[t->order[i - 1]].rank != e->rank) ? 1 : tid + 1;
    e->tid = tid;
  }
  return 0;
}

void wprof_tracks_free(struct wprof_tracks *t) {
  free(t->v);
  free(t->slots);
  free(t->order);
  memset(t, 0, sizeof(*t));
}
