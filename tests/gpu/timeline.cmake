# timeline_gpu_*: GPU work on the timeline (WPROF_TIMELINE) through the cupti backend with the fake
# libcupti (cupti_app and libfakecupti come from cupti.cmake). Included by CMakeLists.txt.
if(NOT TARGET cupti_app)
  return()
endif()
foreach(case table ranks)
  wprof_add_py_test(timeline_gpu_${case} mpi ${CMAKE_CURRENT_LIST_DIR}/timeline_gpu_check.py ${case}
                    ${PROJECT_BINARY_DIR}/tests/fakecupti/libfakecupti.so)
  set_tests_properties(timeline_gpu_${case} PROPERTIES PROCESSORS 2)
endforeach()
