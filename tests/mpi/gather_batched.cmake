# WPROF_GATHER_MAX_MB (issue 8): rank 0 gathers in batches of ranks under the bound; the report equals
# the one-batch report in every deterministic column. Included by CMakeLists.txt.
add_executable(gather_batched_app ${CMAKE_CURRENT_LIST_DIR}/gather_batched_app.c)
target_link_libraries(gather_batched_app PRIVATE wprof)
wprof_add_py_test(gather_batched_np4 mpi ${CMAKE_CURRENT_LIST_DIR}/gather_batched_check.py
                  $<TARGET_FILE:gather_batched_app>)
set_tests_properties(gather_batched_np4 PROPERTIES PROCESSORS 4 TIMEOUT 300)
# The batch planner alone (no MPI calls).
wprof_test_program(test_gather_plan ${CMAKE_CURRENT_LIST_DIR}/gather_batched_plan.c)
add_test(NAME gather_batch_plan COMMAND test_gather_plan)
set_tests_properties(gather_batch_plan PROPERTIES LABELS unit TIMEOUT 60)
# WPROF_PRINT's stop gathers keep to the same bound (issue 16).
wprof_add_py_test(gather_batched_stop_np4 mpi ${CMAKE_CURRENT_LIST_DIR}/gather_batched_stop.py
                  $<TARGET_FILE:gather_batched_app>)
set_tests_properties(gather_batched_stop_np4 PROPERTIES PROCESSORS 4 TIMEOUT 300)
