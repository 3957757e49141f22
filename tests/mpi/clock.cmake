# Clock alignment (issue 6). test_wpc_clock: the exchanges through the wpc API, each rank's clock off
# by rank x 7 ms, every sample checked against the truth within half its delay, plus a rank or rank 0
# absent, or a rank that never joins the grouping by node (second argument: the sync timeout in ms).
# clock_report.py: the real library, the report's /ranks clock columns, and an offset injected into
# one rank's clock (WPROF_CLOCK_TEST_OFFSET_NS) removed from the aligned /windows.
add_executable(test_wpc_clock ${CMAKE_CURRENT_LIST_DIR}/test_wpc_clock.c)
target_link_libraries(test_wpc_clock PRIVATE wprof_collectives wprof_io MPI::MPI_C m)
target_include_directories(test_wpc_clock PRIVATE ${PROJECT_SOURCE_DIR}/tests/common)
foreach(np 1 2 4)
  wprof_add_mpi_test(NAME mpi_wpc_clock_basic_np${np} NP ${np} COMMAND $<TARGET_FILE:test_wpc_clock> basic 2000)
endforeach()
foreach(np 2 4)
  foreach(mode absent rootabsent bynode bynodeabsent)
    wprof_add_mpi_test(NAME mpi_wpc_clock_${mode}_np${np} NP ${np}
                       COMMAND $<TARGET_FILE:test_wpc_clock> ${mode} 500 TIMEOUT 60)
  endforeach()
  wprof_add_py_test(clock_report_np${np} mpi ${CMAKE_CURRENT_LIST_DIR}/clock_report.py ${np})
  set_tests_properties(clock_report_np${np} PROPERTIES PROCESSORS ${np})
endforeach()
