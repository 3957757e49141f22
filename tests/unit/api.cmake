# The conformance vectors through the public API (world of one, host backend).
wprof_test_program(test_api_replay ${CMAKE_CURRENT_SOURCE_DIR}/test_api_replay.c)
add_test(NAME api_state_machine_vectors COMMAND test_api_replay ${PROJECT_SOURCE_DIR}/tests/data/state_machine.tsv)
set_tests_properties(api_state_machine_vectors PROPERTIES LABELS unit TIMEOUT 120)

# The user guide's variable table is generated from the option table and checked against it.
wprof_test_program(print_options ${CMAKE_CURRENT_SOURCE_DIR}/print_options.c)
add_test(NAME docs_options_table
         COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/docs_options_test.sh $<TARGET_FILE:print_options>
                 ${PROJECT_SOURCE_DIR}/docs/user-guide.md)
set_tests_properties(docs_options_table PROPERTIES LABELS unit)

# The docs' relative links lead to files and headings of the project, and README.md stays short;
# the self-test shows that a broken link and a broken anchor are caught.
find_program(WPROF_PYTHON3 python3 REQUIRED)
add_test(NAME docs_links COMMAND ${WPROF_PYTHON3} ${CMAKE_CURRENT_SOURCE_DIR}/docs_links.py ${PROJECT_SOURCE_DIR})
add_test(NAME docs_links_self_test COMMAND ${WPROF_PYTHON3} ${CMAKE_CURRENT_SOURCE_DIR}/docs_links.py --self-test)
set_tests_properties(docs_links docs_links_self_test PROPERTIES LABELS unit TIMEOUT 60
                     ENVIRONMENT PYTHONDONTWRITEBYTECODE=1)

# Rank 0's validation of gathered data: missing and corrupt ranks are marked, the rest is kept.
wprof_test_program(test_report_assemble ${CMAKE_CURRENT_SOURCE_DIR}/test_report_assemble.c)
add_test(NAME report_assemble_bad_ranks COMMAND test_report_assemble)
set_tests_properties(report_assemble_bad_ranks PROPERTIES LABELS unit)
