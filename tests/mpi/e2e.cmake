# End-to-end: the real library under the real mpiexec, reports read back with h5py, h5dump, wprof.
wprof_test_program(e2e_app ${CMAKE_CURRENT_SOURCE_DIR}/e2e_app.c)
foreach(np 1 2 4)
  wprof_add_py_test(e2e_report_np${np} mpi ${CMAKE_CURRENT_SOURCE_DIR}/e2e_report.py ${np})
  set_tests_properties(e2e_report_np${np} PROPERTIES PROCESSORS ${np})
endforeach()
foreach(case disagree subset never_start)
  wprof_add_py_test(e2e_${case} mpi ${CMAKE_CURRENT_SOURCE_DIR}/e2e_faults.py ${case})
  set_tests_properties(e2e_${case} PROPERTIES PROCESSORS 4)
endforeach()

# The demo itself, as ./run.sh demo runs it.
wprof_add_mpi_test(NAME demo_np4 NP 4 COMMAND $<TARGET_FILE:wprof_demo> 6 2
                   ENV WPROF_OUTPUT=${CMAKE_CURRENT_BINARY_DIR}/demo-np4.h5 WPROF_DELAY_ITERS=1 WPROF_MAX_ITERS=3)
set_tests_properties(demo_np4 PROPERTIES FIXTURES_SETUP demo_report)
add_test(NAME demo_report_readable COMMAND $<TARGET_FILE:wprof_cli> report ${CMAKE_CURRENT_BINARY_DIR}/demo-np4.h5)
set_tests_properties(demo_report_readable PROPERTIES LABELS mpi FIXTURES_REQUIRED demo_report
                     PASS_REGULAR_EXPRESSION "train_step")
