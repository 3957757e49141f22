# Unit tests of the runtime's parts that need no MPI launch: the pure state machine, the option
# table, lite scopes and ranges (linked against wprof_static, a world of one).
wprof_test_program(test_rt_state_machine ${CMAKE_CURRENT_LIST_DIR}/test_rt_state_machine.c)
add_test(NAME rt_state_machine COMMAND test_rt_state_machine ${PROJECT_SOURCE_DIR}/tests/data/state_machine.tsv)

wprof_test_program(test_rt_config ${CMAKE_CURRENT_LIST_DIR}/test_rt_config.c)
add_test(NAME rt_config COMMAND test_rt_config)

wprof_test_program(test_rt_lite ${CMAKE_CURRENT_LIST_DIR}/test_rt_lite.c)
add_test(NAME rt_lite COMMAND test_rt_lite)

wprof_test_program(test_rt_ranges ${CMAKE_CURRENT_LIST_DIR}/test_rt_ranges.c)
add_test(NAME rt_ranges COMMAND test_rt_ranges)

set_tests_properties(rt_state_machine rt_config rt_lite rt_ranges PROPERTIES LABELS unit TIMEOUT 60)

wprof_test_program(test_rt_clock_align ${CMAKE_CURRENT_LIST_DIR}/test_rt_clock_align.c)
add_test(NAME rt_clock_align COMMAND test_rt_clock_align)
set_tests_properties(rt_clock_align PROPERTIES LABELS unit TIMEOUT 60)

wprof_test_program(test_rt_phase_time ${CMAKE_CURRENT_LIST_DIR}/test_rt_phase_time.c)
add_test(NAME rt_phase_time COMMAND test_rt_phase_time)
set_tests_properties(rt_phase_time PROPERTIES LABELS unit TIMEOUT 60)
# Open-window spills every millisecond while other threads record (also under TSan: tests/sanitize/tsan)
# Stop spills leave out the windows they hold unless a late update changed one
wprof_test_program(test_rt_spill_late ${CMAKE_CURRENT_LIST_DIR}/test_rt_spill_late.c)
add_test(NAME rt_spill_late COMMAND test_rt_spill_late)
set_tests_properties(rt_spill_late PROPERTIES LABELS unit TIMEOUT 60)
wprof_test_program(test_rt_spill_threads ${CMAKE_CURRENT_LIST_DIR}/test_rt_spill_threads.c)
add_test(NAME rt_spill_threads COMMAND test_rt_spill_threads)
set_tests_properties(rt_spill_threads PROPERTIES LABELS unit TIMEOUT 120)
