/* Finalize's gather on rank 0, bounded: the packed data of all ranks may not fit in rank 0's memory
 * next to the merged job (thousands of ranks), so rank 0 takes the ranks in batches whose packed
 * bytes add up to at most WPROF_GATHER_MAX_MB, merging each rank as it arrives and freeing its
 * bytes before the next batch. Under the bound it is one batch, as the plain gather was. */
#include "report_batched.h"

#include "log.h"
#include "wpc.h"

static void deliver_rank(void *arg, int rank, const uint8_t *buf, size_t len) {
  wpr_merger_add(arg, rank, buf, len);
}

int wpr_report_gather(struct wpr_session *s, const uint8_t *packed, size_t len, struct wpr_merger *merger) {
  int64_t mb = s->cfg.gather_max_mb > 0 ? s->cfg.gather_max_mb : 1;
  int nbatches = 0;
  int rc = wpc_gather_batched(&s->comm, packed, len, (uint64_t)mb << 20, deliver_rank, merger, &nbatches);
  if (s->comm.rank == 0 && nbatches > 1)
    WPR_INFO("gathered the ranks' data in %d batches of at most %lld MB (WPROF_GATHER_MAX_MB)", nbatches,
             (long long)mb);
  return rc;
}
