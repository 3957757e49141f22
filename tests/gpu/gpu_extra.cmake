# gpu_extra_* tests (issue 10): GPU memory, launch configurations, CUDA graphs and call stacks through
# the fake libcupti. Included by CMakeLists.txt after cupti.cmake (which builds the fake).
if(NOT WPROF_CUPTI_INCLUDE_DIR OR NOT TARGET fakecupti)
  return()
endif()
wprof_test_program(gpu_extra_app ${CMAKE_CURRENT_LIST_DIR}/gpu_extra_app.c)
target_link_libraries(gpu_extra_app PRIVATE ${CMAKE_DL_LIBS})
# the stack scenario's functions must be in the dynamic symbol table, and their frames kept
target_compile_options(gpu_extra_app PRIVATE -fno-omit-frame-pointer -fno-optimize-sibling-calls)
target_link_options(gpu_extra_app PRIVATE -rdynamic)
add_dependencies(gpu_extra_app fakecupti)
foreach(case memory config graph stacks alloc_stacks off old_report)
  wprof_add_py_test(gpu_extra_${case} mpi ${CMAKE_CURRENT_LIST_DIR}/gpu_extra_check.py ${case}
                    ${PROJECT_BINARY_DIR}/tests/fakecupti/libfakecupti.so)
  set_tests_properties(gpu_extra_${case} PROPERTIES PROCESSORS 2)
endforeach()
