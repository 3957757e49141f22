/* Placeholder until ranges.c attributes GPU time: launches have no range, GPU time goes nowhere. */
#include "ranges.h"

struct wpr_launch_ctx wpr_ranges_launch_ctx(void) { return (struct wpr_launch_ctx){.window = -1, .node = 0}; }
void wpr_ranges_add_gpu_time(struct wpr_launch_ctx ctx, uint64_t gpu_ns) { (void)ctx; (void)gpu_ns; }
