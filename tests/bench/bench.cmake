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
# rank 0's report path at 4096 ranks (8.6 M rows): pack, decode+merge, summaries, the HDF5 writer
wprof_test_program(bench_scale ${CMAKE_CURRENT_LIST_DIR}/bench_scale.c)
target_link_libraries(bench_scale PRIVATE wprof_h5read)
# A test, not a timing: the same path at 64 ranks, the report read back with every row.
add_test(NAME bench_scale_smoke COMMAND bench_scale --smoke)
set_tests_properties(bench_scale_smoke PROPERTIES LABELS "unit;bench-smoke" TIMEOUT 120)
# Issue 8: the same job written in one go and streamed part by part (WPROF_GATHER_MAX_MB) are equal
wprof_add_py_test(report_streamed_equal tools ${CMAKE_CURRENT_LIST_DIR}/check_streamed.py $<TARGET_FILE:bench_scale>)
wprof_test_program(bench_timeline ${CMAKE_CURRENT_LIST_DIR}/bench_timeline.c)
# wprof's added wall time for a whole job at np 2/4/8: the same program with and without wprof
wprof_test_program(finalize_app_wprof ${CMAKE_CURRENT_LIST_DIR}/finalize_app.c)
add_executable(finalize_app_plain ${CMAKE_CURRENT_LIST_DIR}/finalize_app.c)
target_compile_definitions(finalize_app_plain PRIVATE FINALIZE_APP_PLAIN=1)
target_link_libraries(finalize_app_plain PRIVATE MPI::MPI_C)
add_executable(bench_finalize ${CMAKE_CURRENT_LIST_DIR}/bench_finalize.c)
string(REPLACE ";" " " WPROF_BENCH_MPIEXEC_FLAGS "${MPIEXEC_PREFLAGS}")
target_compile_definitions(bench_finalize PRIVATE FINALIZE_MPIEXEC="${MPIEXEC_EXECUTABLE}"
  FINALIZE_NP_FLAG="${MPIEXEC_NUMPROC_FLAG}" FINALIZE_MPIEXEC_FLAGS="${WPROF_BENCH_MPIEXEC_FLAGS}"
  FINALIZE_APP_WPROF="$<TARGET_FILE:finalize_app_wprof>" FINALIZE_APP_PLAIN="$<TARGET_FILE:finalize_app_plain>")
target_include_directories(bench_finalize PRIVATE ${CMAKE_CURRENT_LIST_DIR})
add_dependencies(bench_finalize finalize_app_wprof finalize_app_plain)
# `wprof report` and `wprof doctor` on bench_scale's 4096-rank report (issue 9: <= 5 s each)
wprof_test_program(bench_tools_scale ${CMAKE_CURRENT_LIST_DIR}/bench_tools_scale.c)
target_link_libraries(bench_tools_scale PRIVATE wprof_h5read)
add_test(NAME bench_tools_scale_smoke COMMAND bench_tools_scale --wprof $<TARGET_FILE:wprof_cli> --smoke)
set_tests_properties(bench_tools_scale_smoke PROPERTIES LABELS "tools;bench-smoke" TIMEOUT 120)
# io's own HDF5 writer on the small report (issue 17: <= 1 ms)
add_executable(bench_h5write ${CMAKE_CURRENT_LIST_DIR}/bench_h5write.c $<TARGET_OBJECTS:wprof_io>)
target_include_directories(bench_h5write PRIVATE ${WPROF_IO_INCLUDE_DIRS} ${CMAKE_CURRENT_LIST_DIR})
target_link_libraries(bench_h5write PRIVATE m PkgConfig::LIBDEFLATE)
add_test(NAME bench_h5write_smoke COMMAND bench_h5write 3)
set_tests_properties(bench_h5write_smoke PROPERTIES LABELS bench-smoke TIMEOUT 60)
# A test, not a timing: one pair at np 2/4/8, every rank's phase line parsed
add_test(NAME bench_finalize_smoke COMMAND bench_finalize 1)
set_tests_properties(bench_finalize_smoke PROPERTIES LABELS "mpi;bench-smoke" TIMEOUT 180)
# Open-window crash spills at WPROF_SPILL_INTERVAL_MS=1 against none, in the same run: spills stay a
# small share of the time between them however small the interval and however big the window grows
wprof_test_program(bench_spill_open ${CMAKE_CURRENT_LIST_DIR}/bench_spill_open.c)
add_test(NAME bench_spill_open_smoke COMMAND bench_spill_open --smoke)
set_tests_properties(bench_spill_open_smoke PROPERTIES LABELS bench-smoke TIMEOUT 120)
