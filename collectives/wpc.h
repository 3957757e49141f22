/* collectives: every MPI message wprof sends. wprof's own duplicated communicator, sync points with
 * a deadline (point-to-point, numbered by window, rank 0 releases and everyone adopts its numbering), the settings check that rides on
 * them, and the finalize gather of packed tables. All calls are PMPI_*; nothing here knows CUDA.
 * Nothing here blocks past a deadline: a missing rank is named, never waited for forever. */
#ifndef WPC_H
#define WPC_H

#include <mpi.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define WPC_OK 0
#define WPC_EMPI (-1)     /* an MPI call failed (the context degrades to a world of one) */
#define WPC_ENOMEM (-2)
#define WPC_ETIMEOUT (-3) /* a deadline passed: see the result for who was missing */
#define WPC_EFINALIZED (-4) /* MPI was initialised and is finalised already: no world to join */
#define WPC_PENDING (-5)    /* the finalize gather goes on: rank 0 has not asked for the data yet */
#define WPC_EDROPPED (-6)   /* rank 0 left the session for another (wpc_leave): nothing to hand over */

/* A settings value every rank must agree on (e.g. {"delay_iters", 5}). */
#define WPC_AGREE_MAX 8
struct wpc_agree_item {
  const char *name;
  int64_t value;
  const char *const *labels; /* optional: the note shows labels[value] instead of the number */
  int n_labels;
};

/* One clock exchange with rank 0 (NTP's four timestamps), as this rank sees it: rank 0's clock reads
 * local_ns - offset_ns at local time local_ns, give or take delay_ns / 2 (half the round trip that
 * neither side was holding the message). valid 0: no sample (rank 0 itself, a world of one, a
 * missed exchange). */
struct wpc_clock_sample {
  int valid;
  int64_t local_ns;  /* this rank's clock at the middle of the exchange */
  int64_t offset_ns; /* this rank's clock minus rank 0's */
  int64_t delay_ns;  /* round trip minus the time rank 0 held the message: the error bound is half */
};

#define WPC_MISSING_LISTED 64 /* missing ranks named one by one; the count is always exact */
#define WPC_NOTE_LEN 512

struct wpc_sync_result {
  int complete;               /* 1 when every rank arrived and this rank got the release */
  int32_t window;             /* the window every released rank adopts (this rank's own when it went on
                                 alone): the highest any arriving rank had reached */
  int n_missing;              /* ranks that had not arrived when rank 0 released (at a window's end,
                                 ranks already absent from its start are not named again) */
  int missing[WPC_MISSING_LISTED];
  int no_release;             /* this rank went on alone: no release from rank 0 by its deadline */
  int root_done;              /* ... because rank 0 has said it holds no more sync points */
  int late;                   /* this rank came after rank 0 had passed this sync point (or rank 0
                                 never reached it): released on its own */
  int n_disagree;             /* ranks whose settings differ from rank 0's (rank 0 knows all;
                                 another rank knows only whether it differs itself: 0 or 1) */
  char disagree_note[WPC_NOTE_LEN]; /* "rank 2 has delay_iters=3 (rank 0: 5); ..." or "" */
  struct wpc_clock_sample clock; /* non-root ranks: the exchange that rode on the arrival and release */
};

struct wpc_ctx {
  int rank, size;
  int have_mpi;               /* 0: world of one, every call is local */
  int world_like;             /* the communicator has the ranks of MPI_COMM_WORLD (identical, congruent) */
  int leader_world_rank;      /* rank 0's rank in MPI_COMM_WORLD */
  MPI_Comm comm;              /* wprof's own duplicate; MPI_COMM_NULL without MPI */
  int timeout_ms;             /* WPROF_SYNC_TIMEOUT_MS */
  int degraded;               /* a sync broke: later sync points wait only a short grace period */
  void *priv;                 /* pending requests, stale-message bookkeeping */
  char note[WPC_NOTE_LEN];    /* the last thing that went wrong here (an MPI error, a buffer kept
                                 alive for MPI after a timeout), for the caller's warning; "" if none */
  int64_t (*clock_ns)(void);  /* the clock whose offset to rank 0 the clock exchanges measure (the
                                 runtime's position clock); NULL: CLOCK_MONOTONIC. Set after wpc_init. */
};

/* Collective over `parent` when MPI is initialised and not finalised (MPI_Comm_idup, errors return):
 * WPC_ETIMEOUT when not every rank of `parent` took part within timeout_ms (this rank is then a world
 * of one); a world of one when MPI was never initialised; WPC_EFINALIZED after MPI_Finalize (each rank
 * alone would claim to be rank 0 of its own world). `parent` MPI_COMM_NULL means MPI_COMM_WORLD.
 * Whatever it returns, wpc_finalize (or wpc_leave) must follow. */
int wpc_init(struct wpc_ctx *ctx, MPI_Comm parent, int timeout_ms);

/* Leaves a session that is replaced by another on this rank, without a report: rank 0 tells every
 * rank the session is dropped (wpc_session_dropped), another rank tells rank 0 not to wait for it.
 * Local: the communicator is not freed (that is collective), pending requests settle as in
 * wpc_finalize. */
void wpc_leave(struct wpc_ctx *ctx);
/* Non-root: 1 when rank 0 dropped the session (nothing to sync or gather with it). */
int wpc_session_dropped(struct wpc_ctx *ctx);
/* Rank 0: takes the word of ranks that left, so no sync point or gather waits for them. */
void wpc_note_leavers(struct wpc_ctx *ctx);
/* Rank 0: how many ranks have left the session so far (0 elsewhere). */
int wpc_left_count(struct wpc_ctx *ctx);
/* Rank 0: 1 when `rank` has left the session (as far as wpc_note_leavers has seen). */
int wpc_rank_left(const struct wpc_ctx *ctx, int rank);

/* A sync point at the start (at_end 0) or end of `window`, as this rank numbers it. Every arrival
 * carries that position; rank 0 releases when all have arrived or timeout_ms has passed since its own
 * arrival, and its release carries the position every released rank adopts: the highest any
 * arriving rank has reached (res->window), so a rank that skipped a window, rank 0 included, takes
 * up the others' numbering. A rank that missed a window's start is not waited for at its end; after
 * a break, ranks missing last time get only a short grace. Each rank also gives up on its own
 * deadline (2 x timeout_ms, the grace while rank 0 has been silent since the last sync point, or at
 * once when rank 0 has said it holds no more) and withdraws its arrival. A rank at a window's end
 * that rank 0 has passed is released on its own (res->late). `agree` (n <= WPC_AGREE_MAX, may be 0)
 * travels with the arrival and is compared with rank 0's. Returns WPC_OK when complete,
 * WPC_ETIMEOUT when it went on without someone, WPC_EMPI on an MPI failure; `res` says the details. */
int wpc_sync(struct wpc_ctx *ctx, int32_t window, int at_end, const struct wpc_agree_item *agree, int n_agree,
             struct wpc_sync_result *res);

/* Rank 0, at the end of its session: tells every rank that it holds no more sync points, so one that
 * arrives at a sync point later goes on at once instead of waiting for its deadline. Local elsewhere. */
void wpc_sync_final(struct wpc_ctx *ctx);

/* Finalize gather of one packed buffer per rank, with the same deadline rules: sizes first, then data
 * after rank 0's "go". On rank 0, bufs[r]/lens[r] (arrays of ctx->size, allocated here) hold each
 * rank's bytes, with bufs[r] == NULL for ranks that never delivered (rank 0's own is copied). Other
 * ranks get NULL arrays. Returns WPC_OK, or WPC_ETIMEOUT when some rank is missing. */
int wpc_gather(struct wpc_ctx *ctx, const uint8_t *mine, size_t len, uint8_t ***bufs, size_t **lens);
/* The same with the caller's key instead of a running count: ranks match a gather by its key, so ranks
 * that made different numbers of earlier gathers still meet (a stop's gather uses its window number, the
 * finalize gather WPC_GATHER_KEY_FINAL); a message of another key is dropped as stale. Keys below
 * WPC_GATHER_KEY_COUNTED are the caller's. */
#define WPC_GATHER_KEY_COUNTED 0x40000000u /* wpc_gather's keys: this + its call count */
#define WPC_GATHER_KEY_FINAL 0xFFFFFFFFu   /* wpc_gather_batched: the one finalize gather */
int wpc_gather_keyed(struct wpc_ctx *ctx, uint32_t key, const uint8_t *mine, size_t len, uint8_t ***bufs,
                     size_t **lens);
void wpc_gather_free(struct wpc_ctx *ctx, uint8_t **bufs, size_t *lens);

/* 1 when MPI's thread level allows wprof's messages from this thread (MPI's main thread, or
 * MPI_THREAD_SERIALIZED or more); else 0 and `why` says what to do. Local. */
int wpc_thread_level_ok(const struct wpc_ctx *ctx, char *why, size_t len);

/* Cancels unmatched receives, drains stale messages, frees the duplicate communicator. Local. */
void wpc_finalize(struct wpc_ctx *ctx);

/* ---- the job's settings (wpc_agree.c) ------------------------------------------------------- */

#define WPC_SETTINGS_TEXT 1024
/* Init's hand-out of the settings that shape windows: rank 0 sends its values (by name) and one text
 * setting to every rank; every other rank waits for them with the sync point's deadline (2 x timeout,
 * or the grace while rank 0 has been silent) and gets them in root_values[i] (matched to mine[i] by
 * name; its own value where rank 0 has no such name) and root_text. On rank 0, and when nothing came,
 * they are this rank's own. Returns WPC_OK, WPC_ETIMEOUT (nothing from rank 0), WPC_EMPI, WPC_ENOMEM. */
int wpc_settings_share(struct wpc_ctx *ctx, const struct wpc_agree_item *mine, int n, const char *my_text,
                       int64_t *root_values, char *root_text, size_t text_cap);

/* ---- clock alignment (wpc_clock.c) ---------------------------------------------------------- */

/* The many-exchange estimate (init, finalize): every rank takes part. Rank 0 waits for the others'
 * "ready" with the sync point's deadline rules, then ping-pongs each ready rank `rounds` times in
 * turn (each answer within WPC_CLOCK_REPLY_MS) and tells it the exchange with the smallest round
 * trip. A rank gives up on its own deadline (2 x timeout_ms, or the grace period while rank 0 is
 * silent) and says so, so rank 0 never waits for it. ready_wait_ms > 0 makes it short (finalize,
 * where the gather's waits follow): rank 0 waits at most that long for "ready", a rank at most
 * timeout_ms for rank 0; a rank later than that misses only its sample. `out` gets this rank's
 * sample (never valid on rank 0).
 * Returns WPC_OK, WPC_ETIMEOUT when some rank (or, off rank 0, this rank) got no sample, WPC_EMPI. */
int wpc_clock_exchange(struct wpc_ctx *ctx, int rounds, int ready_wait_ms, struct wpc_clock_sample *out);

/* Collective, once per context, with a deadline (a non-blocking allgather; WPC_ETIMEOUT after
 * timeout_ms when some rank never comes, and every rank is then its own leader): groups the ranks
 * whose clocks are one, those of one node (one host name and one kernel boot) with the same `domain`
 * (the runtime's test-hook clock offset: ranks whose positions are shifted differently do not share
 * a clock). From then on only each group's
 * leader (its lowest rank) exchanges with rank 0, so rank 0 makes O(nodes) round trips; the others'
 * wpc_clock_exchange returns at once without a sample and they take their leader's fit through
 * wpc_node_share. */
int wpc_clock_by_node(struct wpc_ctx *ctx, int64_t domain);
/* This rank's leader (itself for a leader, rank 0 included, and before wpc_clock_by_node). */
int wpc_clock_leader(const struct wpc_ctx *ctx);
/* A leader sends `mine` (len <= WPC_NODE_SHARE_MAX bytes) to the other ranks of its group; each of
 * them gets it in `out` (*got 1), waiting with the sync point's deadline (2 x timeout_ms; with
 * short_wait, as at finalize where the gather's waits follow, timeout_ms). Every rank calls it the
 * same number of times. Returns WPC_OK, WPC_ETIMEOUT (a member that heard nothing), WPC_EMPI. */
#define WPC_NODE_SHARE_MAX 128
int wpc_node_share(struct wpc_ctx *ctx, const void *mine, size_t len, void *out, int *got, int short_wait);

/* The clock the exchanges measure: ctx->clock_ns, or CLOCK_MONOTONIC. */
int64_t wpc_clock_read(const struct wpc_ctx *ctx);

/* ---- batched finalize gather (wpc_gather.c) ------------------------------------------------- */

/* Receives one rank's packed bytes on rank 0: buf is NULL for a rank that never delivered. The bytes
 * are only valid during the call. */
typedef void (*wpc_deliver_fn)(void *arg, int rank, const uint8_t *buf, size_t len);

/* The finalize gather with rank 0's receive buffers bounded: after the sizes, rank 0 takes the ranks
 * in batches of consecutive ranks whose data adds up to at most max_bytes (a larger rank alone),
 * hands each rank's bytes to `deliver` in rank order (rank 0's own first) and frees them before the
 * next batch. Ranks of later batches are told to keep waiting (at the first batch, then at most every
 * half timeout; each such word renews their deadline); every other deadline and the missing-rank handling are those of wpc_gather. With
 * everything under max_bytes it is one batch. *nbatches (may be NULL) gets the number of batches.
 * Returns WPC_OK, WPC_ETIMEOUT when some rank is missing, WPC_EMPI, WPC_ENOMEM. */
int wpc_gather_batched(struct wpc_ctx *ctx, const uint8_t *mine, size_t len, uint64_t max_bytes,
                       wpc_deliver_fn deliver, void *arg, int *nbatches);

/* The same for a stop's gather (WPROF_PRINT), keyed like wpc_gather_keyed: ranks missing at the last
 * sync point get only the grace period, and no rank hands its data over later. */
int wpc_gather_batched_keyed(struct wpc_ctx *ctx, uint32_t key, const uint8_t *mine, size_t len,
                             uint64_t max_bytes, wpc_deliver_fn deliver, void *arg, int *nbatches);

/* A non-root rank whose rank 0 has not said "go" within 2 x timeout_ms of its size does not give up:
 * wpc_gather_batched returns WPC_PENDING and keeps the data for rank 0. wpc_handover_finish waits up
 * to wait_ms more for the "go" (MPI_Finalize waits for every rank anyway), sends, and returns WPC_OK,
 * or WPC_ETIMEOUT when rank 0 went on without this rank (or never came). wpc_finalize must follow. */
int wpc_handover_pending(const struct wpc_ctx *ctx);
int wpc_handover_finish(struct wpc_ctx *ctx, int wait_ms);

/* The batch planner (exposed for its unit test): the end (exclusive) of the batch starting at `lo`
 * among n ranks with sizes[r] bytes (have_size[r] == 0: never heard from, weighs nothing). */
int wpc_gather_plan_batch(const uint64_t *sizes, const int *have_size, int n, int lo, uint64_t max_bytes);

#ifdef __cplusplus
}
#endif
#endif
