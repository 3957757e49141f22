"""Schema v1 of the report as the tests expect it: every table's path and exact column names."""
SUMMARY = ["name", "ranks_present", "calls", "total_ns", "min_ns", "mean_ns", "max_ns",
           "imbalance", "slowest_rank"]
TABLES = {
    "ranks": ["rank", "hostname", "pid", "device", "clock_offset_ns", "clock_drift_ppm",
              "clock_residual_ns", "dropped_records", "status", "collected", "clock_ref_ns", "timeline_dropped"],
    "windows": ["rank", "window", "start_ns", "end_ns", "steps"],
    "kernels": ["rank", "window", "name_id", "kind", "calls", "total_ns", "min_ns", "max_ns", "bytes",
                "grid_x", "grid_y", "grid_z", "block_x", "block_y", "block_z", "registers_per_thread",
                "static_shared_bytes", "dynamic_shared_bytes", "graph_id"],
    "ranges": ["rank", "window", "name_id", "calls", "cpu_total_ns", "cpu_self_ns", "cuda_self_ns",
               "cuda_total_ns"],
    "lite": ["rank", "name_id", "calls", "total_ns", "min_ns", "max_ns", "p50_ns", "p90_ns", "p99_ns"],
    "lite_hist": ["rank", "name_id", "bucket", "lower_ns", "upper_ns", "count"],
    "mpi": ["rank", "window", "name_id", "calls", "total_ns", "min_ns", "max_ns", "bytes"],
    "timeline": ["rank", "kind", "name_id", "track", "start_ns", "end_ns"],
    "summary/kernels": SUMMARY + ["kind", "bytes"],
    "summary/ranges": SUMMARY + ["cpu_self_ns", "cuda_self_ns", "cuda_total_ns"],
    "summary/lite": SUMMARY + ["p50_ns", "p90_ns", "p99_ns"],
    "summary/mpi": SUMMARY + ["bytes"],
    "memory": ["rank", "window", "name_id", "device", "kind", "allocations", "frees", "bytes_allocated",
               "bytes_freed", "peak_bytes", "peak_time_ns"],
    "stacks": ["rank", "window", "stack_id", "name_id", "calls", "cuda_ns"],
    "summary/memory": ["name", "ranks_present", "allocations", "frees", "bytes_allocated", "bytes_freed",
                       "peak_bytes", "peak_rank"],
}
MEM_KINDS = {"unknown": 0, "pageable": 1, "pinned": 2, "device": 3, "array": 4, "managed": 5,
             "device_static": 6, "managed_static": 7}
KINDS = {"kernel": 0, "memcpy": 1, "memset": 2, "sync": 3, "other": 4}
