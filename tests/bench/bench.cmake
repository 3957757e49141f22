# Benchmarks (not tests): ./run.sh bench runs every bench_* in build/bin; each prints BENCH lines.
wprof_test_program(bench_lite ${CMAKE_CURRENT_LIST_DIR}/bench_lite.c)
wprof_test_program(bench_step ${CMAKE_CURRENT_LIST_DIR}/bench_step.c)
# MPI interception: wrapped calls against PMPI_ directly (the wrappers come with libwprof.a).
wprof_test_program(bench_mpi ${CMAKE_CURRENT_LIST_DIR}/bench_mpi.c)
# The cupti backend's record path needs the toolkit's cupti.h and the fake libcupti's iterator.
if(WPROF_CUPTI_INCLUDE_DIR)
  wprof_test_program(bench_cupti ${CMAKE_CURRENT_LIST_DIR}/bench_cupti.c)
  target_include_directories(bench_cupti PRIVATE ${WPROF_CUPTI_INCLUDE_DIR} ${CUDAToolkit_INCLUDE_DIRS})
  target_compile_definitions(bench_cupti PRIVATE
    WPROF_FAKECUPTI_PATH="${PROJECT_BINARY_DIR}/tests/fakecupti/libfakecupti.so")
  add_dependencies(bench_cupti fakecupti)
endif()
