# Rank 0's report written beside PMPI_Finalize, in applications that make it hard: MPI_THREAD_SINGLE
# with a busy SIGALRM handler, a process where wprof cannot start its thread (the write then happens
# before PMPI_Finalize), a writer whose head start would outlast PMPI_Finalize (woken as it returns),
# and a second session after an explicit finalize, with other settings. Each
# time the report is there when MPI_Finalize returns.
add_executable(finalize_defer_app ${CMAKE_CURRENT_LIST_DIR}/finalize_defer_app.c)
target_link_libraries(finalize_defer_app PRIVATE wprof MPI::MPI_C)
add_library(finalize_defer_shim MODULE ${CMAKE_CURRENT_LIST_DIR}/finalize_defer_shim.c)
target_link_libraries(finalize_defer_shim PRIVATE ${CMAKE_DL_LIBS})
add_library(finalize_defer_slow_shim MODULE ${CMAKE_CURRENT_LIST_DIR}/finalize_defer_slow_shim.c)
target_link_libraries(finalize_defer_slow_shim PRIVATE ${CMAKE_DL_LIBS})
foreach(case signals no_thread slow_start sessions)
  wprof_add_py_test(finalize_defer_${case} mpi ${CMAKE_CURRENT_LIST_DIR}/finalize_defer.py ${case}
                    --app $<TARGET_FILE:finalize_defer_app> --shim $<TARGET_FILE:finalize_defer_shim>
                    --slow-shim $<TARGET_FILE:finalize_defer_slow_shim>)
  set_tests_properties(finalize_defer_${case} PROPERTIES PROCESSORS 2)
endforeach()
