# Tools suite (label `tools`): a synthetic report written through the io API and its HDF5 writer,
# read back with h5dump, h5py and `wprof report`, plus every kind of bad file the command must refuse.
add_executable(make_report ${CMAKE_CURRENT_SOURCE_DIR}/make_report.c)
target_include_directories(make_report PRIVATE ${WPROF_IO_INCLUDE_DIRS})
target_link_libraries(make_report PRIVATE wprof_h5read m)

find_program(WPROF_H5DUMP h5dump)
set(TOOLS_DATA ${CMAKE_CURRENT_BINARY_DIR}/tools-data)

# The reports every other test reads: normal, with a chunked bulk table, and degraded.
add_test(NAME tools_make_reports
         COMMAND ${CMAKE_COMMAND} -E env WPROF_MAKE_REPORT=$<TARGET_FILE:make_report>
                 ${WPROF_H5PY_PYTHON} ${CMAKE_CURRENT_SOURCE_DIR}/make_reports.py ${TOOLS_DATA})
set_tests_properties(tools_make_reports PROPERTIES LABELS tools FIXTURES_SETUP tools_reports TIMEOUT 60)

# Like wprof_add_py_test (same interpreter, label, timeout), plus the report fixture and the
# sanitizer flag these tests need.
function(tools_py_test name script)
  add_test(NAME ${name}
           COMMAND ${CMAKE_COMMAND} -E env WPROF_BUILD_DIR=${PROJECT_BINARY_DIR}
                   WPROF_SOURCE_DIR=${PROJECT_SOURCE_DIR} WPROF_BIN=$<TARGET_FILE:wprof_cli>
                   WPROF_MAKE_REPORT=$<TARGET_FILE:make_report> PYTHONDONTWRITEBYTECODE=1
                   WPROF_TEST_SANITIZED=$<BOOL:${WPROF_SANITIZE}>
                   ${WPROF_H5PY_PYTHON} ${CMAKE_CURRENT_SOURCE_DIR}/${script} ${ARGN})
  set_tests_properties(${name} PROPERTIES LABELS tools TIMEOUT 120 SKIP_RETURN_CODE 77
                       FIXTURES_REQUIRED tools_reports)
endfunction()

tools_py_test(tools_h5dump check_h5dump.py ${TOOLS_DATA} ${WPROF_H5DUMP})
tools_py_test(tools_schema_h5py check_schema.py ${TOOLS_DATA})
tools_py_test(tools_report_cli check_cli.py ${TOOLS_DATA})
tools_py_test(tools_bad_files check_bad_files.py ${TOOLS_DATA})
# 400 mutated reports, each read in a forked child: minutes under the sanitizers on 2 busy cores
set_tests_properties(tools_bad_files PROPERTIES TIMEOUT 360)
tools_py_test(tools_demangle check_demangle.py ${TOOLS_DATA})

# The own HDF5 writer's property test: random reports written whole and streamed, read back by
# libhdf5 (io's reader) value by value, then by h5dump, h5repack + h5diff, Debian's h5py (HDF5 1.10) and
# PyPI's current h5py wheel (HDF5 2.x) in a venv under the build tree (skipped, 77, when it cannot be made).
add_executable(h5write_prop ${CMAKE_CURRENT_SOURCE_DIR}/h5write_prop.c ${CMAKE_CURRENT_SOURCE_DIR}/h5write_prop_json.c)
target_include_directories(h5write_prop PRIVATE ${WPROF_IO_INCLUDE_DIRS})
target_link_libraries(h5write_prop PRIVATE wprof_h5read m)
add_test(NAME tools_h5write_prop
         COMMAND ${CMAKE_COMMAND} -E env WPROF_H5WRITE_PROP=$<TARGET_FILE:h5write_prop> WPROF_H5DUMP=${WPROF_H5DUMP}
                 WPROF_VENV_DIR=${PROJECT_BINARY_DIR}/h5py-venv PYTHONDONTWRITEBYTECODE=1
                 ${WPROF_H5PY_PYTHON} ${CMAKE_CURRENT_SOURCE_DIR}/check_h5write_prop.py ${CMAKE_CURRENT_BINARY_DIR}/h5write-prop)
set_tests_properties(tools_h5write_prop PROPERTIES LABELS tools TIMEOUT 900 SKIP_RETURN_CODE 77)

# The writer's link messages (ASCII, UTF-8 and long names) read back by libhdf5.
add_executable(h5write_link ${CMAKE_CURRENT_SOURCE_DIR}/h5write_link.c)
target_include_directories(h5write_link PRIVATE ${WPROF_IO_INCLUDE_DIRS} ${PROJECT_SOURCE_DIR}/tests/common)
target_link_libraries(h5write_link PRIVATE wprof_h5read)
add_test(NAME tools_h5write_link COMMAND h5write_link ${CMAKE_CURRENT_BINARY_DIR}/h5write-link.h5)
set_tests_properties(tools_h5write_link PROPERTIES LABELS tools TIMEOUT 60)
