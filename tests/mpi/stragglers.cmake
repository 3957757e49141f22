# Stragglers (issue 9): a linked application where one rank sleeps before each MPI_Allreduce; the
# report's /stragglers read back with h5py and `wprof report --stragglers`. Included by CMakeLists.txt.
add_executable(stragglers_app ${CMAKE_CURRENT_LIST_DIR}/stragglers_app.c)
target_link_libraries(stragglers_app PRIVATE wprof)
foreach(case np2 np4 cap nompi)
  wprof_add_py_test(stragglers_${case} mpi ${CMAKE_CURRENT_LIST_DIR}/stragglers_check.py ${case}
                    $<TARGET_FILE:stragglers_app>)
  set_tests_properties(stragglers_${case} PROPERTIES PROCESSORS 4)
endforeach()
# The computation of /stragglers on synthetic arrivals (known answers), no MPI.
add_executable(test_io_stragglers ${CMAKE_CURRENT_LIST_DIR}/stragglers_unit.c)
target_link_libraries(test_io_stragglers PRIVATE wprof_io)
target_include_directories(test_io_stragglers PRIVATE ${WPROF_IO_INCLUDE_DIRS} ${PROJECT_SOURCE_DIR}/tests/common)
add_test(NAME io_stragglers COMMAND test_io_stragglers)
set_tests_properties(io_stragglers PROPERTIES LABELS unit TIMEOUT 60)
# Scale: rank 0's path with many synthetic ranks (the full 4096-rank run is by hand, see docs/benchmarks.md);
# the smoke run checks the answer on 64 ranks.
wprof_test_program(stragglers_bench ${CMAKE_CURRENT_LIST_DIR}/stragglers_bench.c)
target_link_libraries(stragglers_bench PRIVATE wprof_h5read)
add_test(NAME stragglers_bench_smoke COMMAND stragglers_bench 64 20)
set_tests_properties(stragglers_bench_smoke PROPERTIES LABELS "unit;bench-smoke" TIMEOUT 120)
