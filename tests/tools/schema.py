"""Schema v1 of the report as the tests expect it: every table's path and exact column names."""
SUMMARY = ["name", "ranks_present", "calls", "total_ns", "min_ns", "mean_ns", "max_ns",
           "imbalance", "slowest_rank"]
TABLES = {
    "ranks": ["rank", "hostname", "pid", "device", "clock_offset_ns", "clock_drift_ppm",
              "clock_residual_ns", "dropped_records", "status", "collected", "clock_ref_ns", "timeline_dropped"],
    "windows": ["rank", "window", "start_ns", "end_ns", "steps"],
    "kernels": ["rank", "window", "name_id", "kind", "calls", "total_ns", "min_ns", "max_ns", "bytes"],
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
}
KINDS = {"kernel": 0, "memcpy": 1, "memset": 2, "sync": 3, "other": 4}
