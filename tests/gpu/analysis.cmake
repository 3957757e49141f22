# analysis_* tests (issue 9): time breakdown, launch latency, CUPTI overhead and another CUPTI
# subscriber through the fake libcupti. Included by CMakeLists.txt after cupti.cmake (builds the fake).
if(NOT WPROF_CUPTI_INCLUDE_DIR OR NOT TARGET fakecupti)
  return()
endif()
wprof_test_program(analysis_app ${CMAKE_CURRENT_LIST_DIR}/analysis_app.c)
target_link_libraries(analysis_app PRIVATE ${CMAKE_DL_LIBS})
add_dependencies(analysis_app fakecupti)
foreach(case latency breakdown overhead subscriber)
  wprof_add_py_test(analysis_${case} mpi ${CMAKE_CURRENT_LIST_DIR}/analysis_check.py ${case}
                    ${PROJECT_BINARY_DIR}/tests/fakecupti/libfakecupti.so)
  set_tests_properties(analysis_${case} PROPERTIES PROCESSORS 2)
endforeach()
# the scale of `wprof report --breakdown` (a timing at 4096 ranks by hand; a smoke test here)
add_executable(analysis_scale ${CMAKE_CURRENT_LIST_DIR}/analysis_scale.c)
target_link_libraries(analysis_scale PRIVATE wprof_h5read)
add_test(NAME analysis_scale_smoke COMMAND analysis_scale $<TARGET_FILE:wprof_cli> ${CMAKE_CURRENT_BINARY_DIR}/analysis_scale_smoke.h5 64 3)
set_tests_properties(analysis_scale_smoke PROPERTIES LABELS unit TIMEOUT 120)
