# `wprof trace` and `wprof diff` (label `tools`): exported traces and report comparisons, checked
# with Python's json/csv/gzip on reports that make_report writes.
tools_py_test(tools_trace check_trace.py ${CMAKE_CURRENT_BINARY_DIR}/trace-data)
tools_py_test(tools_diff check_diff.py ${CMAKE_CURRENT_BINARY_DIR}/diff-data)
tools_py_test(tools_diff_stats check_diff_stats.py ${CMAKE_CURRENT_BINARY_DIR}/diff-stats-data)
