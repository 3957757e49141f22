/* `wprof report --stragglers`: one table per window of /stragglers, the ranks that caused the most
 * waiting first: how often each rank arrived last at a sync point or collective call, the waiting it
 * caused and did, and the clock-free transfer/waiting split. Text or CSV per o->format, scoped by
 * o->rank / o->window, --top rows per window. Sorting is O(n log n): 4096-rank reports stay fast. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "wpio_format_internal.h"

static int by_window_then_blame(const void *pa, const void *pb) {
  const struct wpio_straggler_row *a = *(const struct wpio_straggler_row *const *)pa;
  const struct wpio_straggler_row *b = *(const struct wpio_straggler_row *const *)pb;
  if (a->window != b->window) return a->window < b->window ? -1 : 1;
  if (a->wait_caused_ns != b->wait_caused_ns) return a->wait_caused_ns > b->wait_caused_ns ? -1 : 1;
  if (a->arrived_last != b->arrived_last) return a->arrived_last > b->arrived_last ? -1 : 1;
  return a->rank < b->rank ? -1 : a->rank > b->rank;
}

static double share(uint64_t part, uint64_t whole) { return whole ? 100.0 * (double)part / (double)whole : 0.0; }

static void print_csv_row(FILE *out, const struct wpio_straggler_row *r) {
  fprintf(out, "stragglers,window %d,%d,%d,%" PRIu64 ",%.1f,%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64
          ",%" PRIu64 ",%" PRIu64 "\n",
          r->window, r->window, r->rank, r->arrived_last, share(r->arrived_last, r->instances), r->wait_caused_ns,
          r->waited_ns, r->transfer_ns, r->waiting_ns, r->instances, r->dropped);
}

static void print_text_head(FILE *out, int32_t window) {
  fprintf(out, "Stragglers, window %d (who arrived last at sync points and collective calls; aligned clocks)\n",
          window);
  fprintf(out, "%6s  %12s  %6s  %12s  %12s  %12s  %12s  %9s  %7s\n", "Rank", "Arrived last", "%", "Wait caused",
          "Waited", "Transfer", "Waiting", "Instances", "Dropped");
}

static void print_text_row(FILE *out, const struct wpio_straggler_row *r) {
  char caused[32], waited[32], transfer[32], waiting[32];
  wpio_format_time(caused, sizeof caused, (double)r->wait_caused_ns);
  wpio_format_time(waited, sizeof waited, (double)r->waited_ns);
  wpio_format_time(transfer, sizeof transfer, (double)r->transfer_ns);
  wpio_format_time(waiting, sizeof waiting, (double)r->waiting_ns);
  fprintf(out, "%6d  %12" PRIu64 "  %5.1f%%  %12s  %12s  %12s  %12s  %9" PRIu64 "  %7" PRIu64 "\n", r->rank,
          r->arrived_last, share(r->arrived_last, r->instances), caused, waited, transfer, waiting, r->instances,
          r->dropped);
}

/* The rows of one window, [b, e) of the sorted pointers. */
static void print_window(FILE *out, const struct wpio_straggler_row *const *rows, size_t b, size_t e,
                         const struct wpio_format_opts *o) {
  int csv = o->format == WPIO_OUT_CSV;
  size_t n = o->top && o->top < e - b ? o->top : e - b;
  if (!csv) print_text_head(out, rows[b]->window);
  for (size_t i = b; i < b + n; i++) {
    if (csv) print_csv_row(out, rows[i]);
    else print_text_row(out, rows[i]);
  }
  if (!csv && n < e - b) fprintf(out, "(top %zu of %zu ranks)\n", n, e - b);
  if (!csv) fputc('\n', out);
}

int wpio_format_stragglers(FILE *out, const struct wpio_job *job, const struct wpio_format_opts *o) {
  size_t n = 0;
  const struct wpio_straggler_row **rows = malloc((job->stragglers.n ? job->stragglers.n : 1) * sizeof *rows);
  if (!rows) return -1;
  for (size_t i = 0; i < job->stragglers.n; i++) {
    const struct wpio_straggler_row *r = &job->stragglers.v[i];
    if (wpio_in_scope(o, r->rank, r->window)) rows[n++] = r;
  }
  qsort(rows, n, sizeof *rows, by_window_then_blame);
  if (o->format == WPIO_OUT_CSV)
    fputs("table,scope,window,rank,arrived_last,arrived_last_pct,wait_caused_ns,waited_ns,transfer_ns,"
          "waiting_ns,instances,dropped\n",
          out);
  else if (n == 0)
    fputs("Stragglers: no rows (no window, or a report written before /stragglers existed)\n\n", out);
  for (size_t b = 0; b < n;) {
    size_t e = b + 1;
    while (e < n && rows[e]->window == rows[b]->window) e++;
    print_window(out, rows, b, e, o);
    b = e;
  }
  free(rows);
  return ferror(out) ? -1 : 0;
}
