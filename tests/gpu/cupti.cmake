# cupti_* tests: the cupti backend against a fake libcupti built with the real cupti.h (no GPU
# needed), and against the real libcupti on machines without a device. Included by CMakeLists.txt.
if(NOT WPROF_CUPTI_INCLUDE_DIR)
  return()
endif()
add_subdirectory(${PROJECT_SOURCE_DIR}/tests/fakecupti ${PROJECT_BINARY_DIR}/tests/fakecupti)
wprof_test_program(cupti_app ${CMAKE_CURRENT_LIST_DIR}/cupti_app.c)
target_link_libraries(cupti_app PRIVATE ${CMAKE_DL_LIBS})
add_dependencies(cupti_app fakecupti)

find_library(WPROF_REAL_CUPTI NAMES cupti
             HINTS ${CUDAToolkit_LIBRARY_DIR} ${CUDAToolkit_LIBRARY_ROOT}/extras/CUPTI/lib64
                   ${CUDAToolkit_TARGET_DIR}/lib)
set(_real ${WPROF_REAL_CUPTI})
if(NOT _real)
  set(_real "")
endif()

foreach(case table nested drop late late_crash ranks open_crash real_auto real_cupti)
  wprof_add_py_test(cupti_${case} mpi ${CMAKE_CURRENT_LIST_DIR}/cupti_check.py ${case}
                    ${PROJECT_BINARY_DIR}/tests/fakecupti/libfakecupti.so ${_real})
  set_tests_properties(cupti_${case} PROPERTIES PROCESSORS 2)
endforeach()
# the same scenarios with buffers completed on the fake's own thread, as CUPTI's worker does
foreach(case table nested drop late late_crash ranks)
  wprof_add_py_test(cupti_${case}_async mpi ${CMAKE_CURRENT_LIST_DIR}/cupti_check.py ${case}
                    ${PROJECT_BINARY_DIR}/tests/fakecupti/libfakecupti.so ${_real})
  set_tests_properties(cupti_${case}_async PROPERTIES PROCESSORS 2 ENVIRONMENT FAKECUPTI_ASYNC=1)
endforeach()

# Every launch, copy and set callback id of the CUPTI headers of this build is listened to.
wprof_test_program(test_cupti_cbids ${CMAKE_CURRENT_LIST_DIR}/test_cupti_cbids.c)
target_include_directories(test_cupti_cbids PRIVATE ${WPROF_CUPTI_INCLUDE_DIR} ${CUDAToolkit_INCLUDE_DIRS})
target_compile_definitions(test_cupti_cbids PRIVATE WPROF_HAVE_CUPTI=1)
add_test(NAME cupti_cbids_cover COMMAND test_cupti_cbids ${WPROF_CUPTI_INCLUDE_DIR}/cupti_runtime_cbid.h
         ${WPROF_CUPTI_INCLUDE_DIR}/cupti_driver_cbid.h)
set_tests_properties(cupti_cbids_cover PROPERTIES LABELS unit TIMEOUT 60)

# Issue 18: what real CUPTI 12/13 does that the old fake did not, each scenario with the fake's buffers
# completed on the calling thread (sync) and on the fake's own thread (async, FAKECUPTI_ASYNC=1).
wprof_test_program(cupti_fidelity_app ${CMAKE_CURRENT_LIST_DIR}/cupti_fidelity_app.c)
target_link_libraries(cupti_fidelity_app PRIVATE ${CMAKE_DL_LIBS})
add_dependencies(cupti_fidelity_app fakecupti)
foreach(case paths running tail too_long too_long_more invalid_kind captured uncorrelated graph_stop many spread overflow graph graph_pairs clock preloaded cudart version12 version11 version14)
  foreach(delivery sync async)
    wprof_add_py_test(cupti_${case}_${delivery} mpi ${CMAKE_CURRENT_LIST_DIR}/cupti_fidelity_check.py ${case}
                      ${delivery} ${PROJECT_BINARY_DIR}/tests/fakecupti/libfakecupti.so)
  endforeach()
endforeach()

# The correlation table on its own: exact counts of what it holds and what it loses.
wprof_test_program(test_cupti_corr ${CMAKE_CURRENT_LIST_DIR}/test_cupti_corr.c)
target_include_directories(test_cupti_corr PRIVATE ${WPROF_CUPTI_INCLUDE_DIR} ${CUDAToolkit_INCLUDE_DIRS})
target_compile_definitions(test_cupti_corr PRIVATE WPROF_HAVE_CUPTI=1)
foreach(case spread full graph failed threads graph_late sessions stress)
  add_test(NAME cupti_corr_${case} COMMAND test_cupti_corr ${case})
  set_tests_properties(cupti_corr_${case} PROPERTIES LABELS unit TIMEOUT 60 SKIP_RETURN_CODE 77)
endforeach()
