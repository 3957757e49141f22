# Tables at stop (issue 10): WPROF_PRINT=top:N prints the cross-rank top N once per stop on rank 0
# only; WPROF_TABLE_DIR writes one file per rank and window; an unwritable directory costs one warning.
wprof_test_program(stop_tables_app ${CMAKE_CURRENT_SOURCE_DIR}/stop_tables_app.c)
foreach(np 1 2 4)
  wprof_add_py_test(stop_tables_print_np${np} mpi ${CMAKE_CURRENT_SOURCE_DIR}/stop_tables.py print ${np})
  set_tests_properties(stop_tables_print_np${np} PROPERTIES PROCESSORS ${np})
endforeach()
foreach(case files unwritable late_rank disagree skip_start)
  wprof_add_py_test(stop_tables_${case} mpi ${CMAKE_CURRENT_SOURCE_DIR}/stop_tables.py ${case} 4)
  set_tests_properties(stop_tables_${case} PROPERTIES PROCESSORS 4)
endforeach()
