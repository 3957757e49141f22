/* Late rows: a count of the updates that reach a row of a window other than the one running (a range
 * popped or ended after its window closed, an MPI call that began in a closed window, GPU time credited
 * to an earlier window). A stop's spill that sees the count unchanged since the last spill knows the
 * windows already spilled still hold what was spilled, and collects only the windows since. */
#ifndef WPR_LATE_ROWS_H
#define WPR_LATE_ROWS_H

#include <stdint.h>

extern uint64_t wpr_late_rows;

/* Called by a collector after it updated a row of `row_window` (>= 0) while `running` (-1: none) runs.
 * The row is updated first, then the window read: a spill's collect that missed the update (it came
 * after the collect read the row) is then always after the window changed, so it is counted. */
static inline void wpr_late_rows_check(int32_t row_window, int32_t running) {
  if (__builtin_expect(row_window != running && row_window >= 0, 0))
    __atomic_fetch_add(&wpr_late_rows, 1, __ATOMIC_RELAXED);
}

static inline uint64_t wpr_late_rows_count(void) { return __atomic_load_n(&wpr_late_rows, __ATOMIC_ACQUIRE); }

#endif
