# Benchmarks (not tests): ./run.sh bench runs every bench_* in build/bin; each prints BENCH lines.
wprof_test_program(bench_lite ${CMAKE_CURRENT_LIST_DIR}/bench_lite.c)
wprof_test_program(bench_step ${CMAKE_CURRENT_LIST_DIR}/bench_step.c)
