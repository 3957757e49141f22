/* collectives (internal): what wpc_*.c share: message layouts and tags, the list of requests kept
 * pending past a deadline, clocks and error handling. Not installed; tests may include it. */
#ifndef WPC_INTERNAL_H
#define WPC_INTERNAL_H

#include "wpc.h"

/* Tags on wprof's own communicator. Releases get a tag per arrival number (mod a range) so a stale
 * release can never satisfy a later sync point's receive; the payload repeats the number to reject
 * a wrapped match. Everything stays below 32767, the smallest MPI_TAG_UB the standard allows. */
enum {
  WPC_TAG_ARRIVE = 1,     /* arrivals and withdrawals, rank -> rank 0 */
  WPC_TAG_SIZE = 2,
  WPC_TAG_GO = 3,
  WPC_TAG_CLOCK_UP = 6,   /* clock exchange, rank -> rank 0: ready, pong, bye */
  WPC_TAG_CLOCK_DOWN = 7, /* clock exchange, rank 0 -> rank: ping, done, skip */
  WPC_TAG_FINAL = 8,      /* rank 0 -> rank: no more sync points (left unreceived until wpc_finalize) */
  WPC_TAG_SETTINGS = 9,   /* rank 0 -> rank: the job's settings, at init */
  WPC_TAG_LEAVE = 10,     /* rank 0 -> rank: session dropped; rank -> rank 0: this rank left it */
  WPC_TAG_DATA_FINAL = 12, /* the finalize gather's data: never shared with a stop's gather */
  WPC_TAG_NODE = 13,      /* node leader -> the other ranks of its node: its clock fit */
  WPC_TAG_DATA_BASE = 16,
  WPC_TAG_DATA_RANGE = 16,
  WPC_TAG_REL_BASE = 1024,
  WPC_TAG_REL_RANGE = 16384,
};

#define WPC_NAME_LEN 24                  /* agree names travel truncated to this (with the NUL) */
#define WPC_GRACE_MS 200                 /* wait for a rank already known missing, after a break */
#define WPC_CANCEL_MS 100                /* bound on waiting for one cancel to complete */
#define WPC_CHUNK ((size_t)1 << 30)      /* MPI counts are int: larger buffers go in chunks */
#define WPC_DEFAULT_TIMEOUT_MS 10000
#define WPC_SPIN_MS 1                    /* poll with sched_yield this long, then nap between polls */
#define WPC_NAP_NS 50000

struct wpc_agree_wire {
  int32_t n;
  int32_t pad;
  int64_t value[WPC_AGREE_MAX];
  char name[WPC_AGREE_MAX][WPC_NAME_LEN];
};

/* A sync point's position: 2 x window + 1 at its end, so the start and end of a window alternate. */
#define WPC_POS(window, at_end) ((uint32_t)(window) * 2u + ((at_end) ? 1u : 0u))
#define WPC_POS_END(pos) (((pos) & 1u) != 0)

enum { WPC_ARRIVE = 1, WPC_WITHDRAW = 2 }; /* a withdrawal: the rank gave up on arrival `aseq` */

struct wpc_arrive_msg {
  uint32_t aseq; /* this rank's arrival count: the release echoes it */
  int32_t kind;  /* WPC_ARRIVE or WPC_WITHDRAW */
  uint32_t pos;  /* the sync point the rank is at (WPC_POS) */
  uint32_t pad;
  int64_t t1; /* the rank's clock when it sent this (wpc_clock_read) */
  struct wpc_agree_wire agree;
};

#define WPC_REL_LATE 1 /* answered on its own: rank 0 had gone past (or never reached) this sync point */

struct wpc_release_msg {
  uint32_t aseq;               /* the arrival this answers */
  uint32_t pos;                /* the sync point every rank released with it adopts */
  int32_t flags;
  int32_t n_missing;
  int32_t missing[WPC_MISSING_LISTED];
  int64_t t2;                  /* rank 0's clock when it took this rank's arrival (0: not taken) */
  int64_t t3;                  /* rank 0's clock when it sent this release */
  struct wpc_agree_wire agree; /* rank 0's values, so a differing rank can say so itself */
};

#define WPC_CLOCK_REPLY_MS 200 /* rank 0 waits this long for one answer of a rank that said ready */

enum { WPC_CLOCK_READY = 1, WPC_CLOCK_PONG, WPC_CLOCK_BYE, WPC_CLOCK_PING, WPC_CLOCK_DONE, WPC_CLOCK_SKIP };

/* One message of a clock exchange. t: pong {T2 rank's receive, T3 rank's send}; done {local_ns,
 * offset_ns, delay_ns} of the best round. cseq numbers the exchanges, so a stale one is dropped. */
struct wpc_clock_msg {
  uint32_t cseq;
  int32_t kind;
  int32_t round;
  int32_t pad;
  int64_t t[3];
};

struct wpc_size_msg {
  uint32_t gseq;
  uint32_t pad;
  uint64_t len;
};

struct wpc_go_msg {
  uint32_t gseq;
  uint32_t take; /* 0: rank 0 gave up on this rank's size; it need not wait any longer */
};

/* A buffer MPI may still read or write: freed when the last request using it completes, leaked
 * (never freed under MPI's feet) when a request is abandoned. */
struct wpc_blob {
  int refs;
  size_t len;
  unsigned char data[];
};

struct wpc_pending {
  MPI_Request req;
  struct wpc_blob *blob; /* NULL when the buffer is owned elsewhere */
  int is_recv;
};

enum { WPC_SLOT_IDLE = 0, WPC_SLOT_POSTED, WPC_SLOT_HAVE };

/* A finalize gather whose "go" had not come by the deadline: the rank's data waits for rank 0. */
struct wpc_handover {
  int active;
  uint32_t gseq;
  struct wpc_blob *data;
  struct wpc_blob *go; /* the "go" being received into */
  MPI_Request req;
};

struct wpc_priv {
  struct wpc_pending *pend;
  size_t n_pend, cap_pend;
  /* Rank 0: one arrival receive per other rank, on one tag. A received arrival for a later sequence
   * number is held (not re-posted) until rank 0 gets there, so per-rank order is kept. */
  int *slot_state;
  MPI_Request *slot_req;
  struct wpc_arrive_msg *slot_msg;
  unsigned char *was_missing; /* missing at the last sync point: waited for only WPC_GRACE_MS */
  unsigned char *absent;      /* missing at the start of the window open now: not waited for at its end */
  uint32_t released;          /* rank 0: the last position it released (valid when released_any) */
  int released_any;
  unsigned char *here;        /* rank 0: scratch, who counts at this sync point */
  unsigned char *left;        /* rank 0: ranks that left the session (wpc_leave): never waited for */
  struct wpc_size_msg *held_size; /* rank 0: a size of a later gather, held for it */
  unsigned char *size_held;
  int final_sent;             /* rank 0: wpc_sync_final done */
  uint32_t aseq;              /* non-root: the next arrival's number */
  int *leader_of;             /* each rank's node leader (wpc_clock_by_node); NULL: every rank its own */
  uint32_t nseq;              /* node shares so far */
  struct wpc_handover handover;
  int *idx;                   /* scratch for Testsome */
  int slots_leaked;           /* a receive into the slots could not be cancelled: keep them */
  int root_silent;            /* non-root: no release at the last sync point, no sign of rank 0 since */
  uint32_t gseq;              /* gather sequence number */
  size_t leaked_bytes;
  const struct wpc_agree_item *agree; /* this sync point's own settings (their labels name values) */
  int n_agree;
  int64_t *arrive_t2;         /* rank 0: its clock when it took each rank's arrival, this sync point */
  uint32_t cseq;              /* clock exchange sequence number */
};

int64_t wpc_now_ns(void);
void wpc_pause(int64_t since_ns);
int64_t wpc_ms_ns(int64_t ms);
void wpc_set_note(struct wpc_ctx *ctx, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int wpc_live(struct wpc_ctx *ctx);
int wpc_mpi_failed(struct wpc_ctx *ctx, const char *what, int rc);
/* Rank 0's one poll of its receives from ranks 1..n-1 (req[1..n-1]): the ranks whose receive
 * completed go into ranks[] and their count into *done; when none did, it pauses (wpc_pause). */
int wpc_poll_ranks(struct wpc_ctx *ctx, int n, MPI_Request *req, int *ranks, int64_t since_ns, int *done);

struct wpc_blob *wpc_blob_new(size_t len);
void wpc_blob_unref(struct wpc_blob *b);
void wpc_pending_add(struct wpc_ctx *ctx, MPI_Request req, struct wpc_blob *blob, int is_recv);
void wpc_pending_poll(struct wpc_ctx *ctx);
int wpc_cancel_wait(MPI_Request *req, int64_t deadline_ns, int *cancelled);
void wpc_abandon_recv(struct wpc_ctx *ctx, MPI_Request *req, struct wpc_blob *blob);
int wpc_drain_one(struct wpc_ctx *ctx, int source, int tag, int64_t deadline_ns);
int wpc_release_tag(uint32_t aseq);
/* wpc_gather.c, for the hand-over (wpc_handover.c): rank 0's "go" for gather gseq until the deadline
 * (WPC_OK send, WPC_ETIMEOUT not wanted, WPC_PENDING nothing yet, WPC_EDROPPED session dropped), and
 * the data sent in chunks until the deadline. */
int wpc_poll_go(struct wpc_ctx *ctx, uint32_t gseq, struct wpc_blob *b, MPI_Request *req, int64_t deadline);
int wpc_send_data(struct wpc_ctx *ctx, uint32_t gseq, struct wpc_blob *data, int64_t deadline);
int wpc_data_tag(uint32_t gseq);

void wpc_agree_pack(struct wpc_agree_wire *w, const struct wpc_agree_item *items, int n);
void wpc_agree_sanitize(struct wpc_agree_wire *w);
int wpc_agree_differs(const struct wpc_agree_wire *x, const struct wpc_agree_wire *ref);
void wpc_agree_note(char *note, size_t cap, int rank, const struct wpc_agree_wire *x,
                    const struct wpc_agree_wire *ref, const struct wpc_agree_item *labels, int n_labels);

#endif
