/* collectives: every MPI message wprof sends. wprof's own duplicated communicator, sync points with
 * a deadline (point-to-point, sequence-numbered, rank 0 releases), the settings check that rides on
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

/* A settings value every rank must agree on (e.g. {"delay_iters", 5}). */
#define WPC_AGREE_MAX 8
struct wpc_agree_item {
  const char *name;
  int64_t value;
  const char *const *labels; /* optional: the note shows labels[value] instead of the number */
  int n_labels;
};

#define WPC_MISSING_LISTED 64 /* missing ranks named one by one; the count is always exact */
#define WPC_NOTE_LEN 512

struct wpc_sync_result {
  int complete;               /* 1 when every rank arrived and this rank got the release */
  int n_missing;              /* ranks that had not arrived when rank 0 released */
  int missing[WPC_MISSING_LISTED];
  int no_release;             /* this rank went on alone: no release from rank 0 by its deadline */
  int n_disagree;             /* ranks whose settings differ from rank 0's (rank 0 knows all;
                                 another rank knows only whether it differs itself: 0 or 1) */
  char disagree_note[WPC_NOTE_LEN]; /* "rank 2 has delay_iters=3 (rank 0: 5); ..." or "" */
};

struct wpc_ctx {
  int rank, size;
  int have_mpi;               /* 0: world of one, every call is local */
  MPI_Comm comm;              /* wprof's own duplicate; MPI_COMM_NULL without MPI */
  int timeout_ms;             /* WPROF_SYNC_TIMEOUT_MS */
  uint32_t seq;               /* next sync point's sequence number */
  int degraded;               /* a sync broke: later sync points wait only a short grace period */
  void *priv;                 /* pending requests, stale-message bookkeeping */
  char note[WPC_NOTE_LEN];    /* the last thing that went wrong here (an MPI error, a buffer kept
                                 alive for MPI after a timeout), for the caller's warning; "" if none */
};

/* Collective over `parent` when MPI is initialised and not finalised (MPI_Comm_dup, errors return);
 * a world of one when MPI was never initialised; WPC_EFINALIZED after MPI_Finalize (each rank alone
 * would claim to be rank 0 of its own world). `parent` MPI_COMM_NULL means MPI_COMM_WORLD. */
int wpc_init(struct wpc_ctx *ctx, MPI_Comm parent, int timeout_ms);

/* A sync point: all ranks arrive, rank 0 releases when all have arrived or when timeout_ms has passed
 * since its own arrival (after a break, ranks missing last time get only a short grace); each rank
 * also gives up on its own deadline (2 x timeout_ms, or the grace while rank 0 has been silent since
 * the last sync point). A late rank finds its release waiting. `agree` (n <= WPC_AGREE_MAX,
 * may be 0) travels with the arrival and is compared with rank 0's. Returns WPC_OK when complete,
 * WPC_ETIMEOUT when it went on without someone, WPC_EMPI on an MPI failure; `res` says the details. */
int wpc_sync(struct wpc_ctx *ctx, const struct wpc_agree_item *agree, int n_agree,
             struct wpc_sync_result *res);

/* Finalize gather of one packed buffer per rank, with the same deadline rules: sizes first, then data
 * after rank 0's "go". On rank 0, bufs[r]/lens[r] (arrays of ctx->size, allocated here) hold each
 * rank's bytes, with bufs[r] == NULL for ranks that never delivered (rank 0's own is copied). Other
 * ranks get NULL arrays. Returns WPC_OK, or WPC_ETIMEOUT when some rank is missing. */
int wpc_gather(struct wpc_ctx *ctx, const uint8_t *mine, size_t len, uint8_t ***bufs, size_t **lens);
void wpc_gather_free(struct wpc_ctx *ctx, uint8_t **bufs, size_t *lens);

/* Cancels unmatched receives, drains stale messages, frees the duplicate communicator. Local. */
void wpc_finalize(struct wpc_ctx *ctx);

#ifdef __cplusplus
}
#endif
#endif
