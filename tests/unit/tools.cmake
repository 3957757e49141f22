# Unit test of `wprof diff`'s statistics (tools/diff/wprof_stats.c: incomplete beta, t tail, Welch).
add_executable(test_tools_stats ${CMAKE_CURRENT_SOURCE_DIR}/test_tools_stats.c ${PROJECT_SOURCE_DIR}/tools/diff/wprof_stats.c)
target_include_directories(test_tools_stats PRIVATE ${PROJECT_SOURCE_DIR}/tools/diff)
target_link_libraries(test_tools_stats PRIVATE m)
add_test(NAME tools_stats COMMAND test_tools_stats)
set_tests_properties(tools_stats PROPERTIES LABELS unit TIMEOUT 60)
