# `wprof sweep` (issue 6) through the real mpirun: the matrix and its reports, a failing point, a
# hanging point and --timeout, an interrupted sweep, usage errors. The e2e_app of tests/mpi is the app;
# the machine's mpiexec flags (MPIEXEC_PREFLAGS) reach the sweep through WPROF_MPIEXEC_PREFLAGS.
foreach(case matrix failing timeout interrupt usage)
  add_test(NAME tools_sweep_${case}
           COMMAND ${CMAKE_COMMAND} -E env ${WPROF_TEST_ENV}
                   ${WPROF_H5PY_PYTHON} ${CMAKE_CURRENT_SOURCE_DIR}/check_sweep.py ${case})
  set_tests_properties(tools_sweep_${case} PROPERTIES LABELS "tools;mpi" TIMEOUT 240 PROCESSORS 2
                       SKIP_RETURN_CODE 77)
endforeach()
