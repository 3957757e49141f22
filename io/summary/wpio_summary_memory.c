/* /summary/memory: the /memory rows of every rank folded per range name (counts and bytes summed,
 * the highest peak and its rank kept), ordered by peak then bytes allocated. */
#include <stdlib.h>
#include <string.h>

#include "wpio_job.h"
#include "wpio_summary_memory.h"

struct mem_key { uint32_t name; int32_t rank; size_t row; };

static int mem_key_cmp(const void *a, const void *b) {
  const struct mem_key *x = a, *y = b;
  if (x->name != y->name) return x->name < y->name ? -1 : 1;
  if (x->rank != y->rank) return x->rank < y->rank ? -1 : 1;
  return (x->row > y->row) - (x->row < y->row);
}

static int memsum_order(const void *a, const void *b) {
  const struct wpio_memsum_row *x = a, *y = b;
  if (x->peak_bytes != y->peak_bytes) return x->peak_bytes > y->peak_bytes ? -1 : 1;
  if (x->bytes_allocated != y->bytes_allocated) return x->bytes_allocated > y->bytes_allocated ? -1 : 1;
  return (x->name_id > y->name_id) - (x->name_id < y->name_id);
}

static void add_memory_row(struct wpio_memsum_row *s, const struct wpio_memory_row *r) {
  s->allocations += r->allocations;
  s->frees += r->frees;
  s->bytes_allocated += r->bytes_allocated;
  s->bytes_freed += r->bytes_freed;
  if (r->peak_bytes > s->peak_bytes || s->peak_rank < 0) {
    s->peak_rank = r->rank;
    s->peak_bytes = r->peak_bytes;
  }
}

int wpio_job_summarize_memory(struct wpio_job *job) {
  size_t n = job->memory.n;
  job->sum_memory.n = 0;
  if (n == 0) return 0;
  struct mem_key *k = malloc(n * sizeof *k);
  if (!k) return -1;
  for (size_t i = 0; i < n; i++) k[i] = (struct mem_key){job->memory.v[i].name_id, job->memory.v[i].rank, i};
  qsort(k, n, sizeof *k, mem_key_cmp);
  int rc = 0;
  struct wpio_memsum_row *s = NULL;
  for (size_t i = 0; i < n && rc == 0; i++) {
    if (!s || s->name_id != k[i].name) {
      if (!(s = WPIO_VEC_PUSH(job->sum_memory))) {
        rc = -1;
        break;
      }
      s->name_id = k[i].name;
      s->peak_rank = -1;
    }
    if (i == 0 || k[i].name != k[i - 1].name || k[i].rank != k[i - 1].rank) s->ranks_present++;
    add_memory_row(s, &job->memory.v[k[i].row]);
  }
  free(k);
  if (rc == 0) wpio_memsum_sort(job->sum_memory.v, job->sum_memory.n);
  return rc;
}

void wpio_memsum_sort(struct wpio_memsum_row *rows, size_t n) {
  if (n > 1) qsort(rows, n, sizeof *rows, memsum_order);
}
