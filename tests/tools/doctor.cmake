# `wprof doctor` (issue 9): one synthetic report per kind of defect (make_report --defect), each
# must give its finding and exit 1; a clean report exit 0; unreadable input exit 2.
add_test(NAME tools_doctor
         COMMAND ${CMAKE_COMMAND} -E env WPROF_BIN=$<TARGET_FILE:wprof_cli>
                 WPROF_MAKE_REPORT=$<TARGET_FILE:make_report> PYTHONDONTWRITEBYTECODE=1
                 ${WPROF_H5PY_PYTHON} ${CMAKE_CURRENT_SOURCE_DIR}/check_doctor.py
                 ${CMAKE_CURRENT_BINARY_DIR}/doctor-data)
set_tests_properties(tools_doctor PROPERTIES LABELS tools TIMEOUT 120 SKIP_RETURN_CODE 77)
