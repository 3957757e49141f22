# WPROF_TIMELINE (issue 6): a linked application with windows, ranges (wprof API, and NVTX through the
# injection when the toolkit's nvtx3 is there), lite scopes on two threads and MPI calls; /timeline
# read back with h5py. Included by CMakeLists.txt.
add_executable(timeline_app ${CMAKE_CURRENT_LIST_DIR}/timeline_app.c)
target_link_libraries(timeline_app PRIVATE wprof Threads::Threads)
set(_wprof_tl_nvtx 0)
if(WPROF_HAVE_NVTX)
  set(_wprof_tl_nvtx 1)
  target_compile_definitions(timeline_app PRIVATE TIMELINE_APP_NVTX=1)
  target_include_directories(timeline_app PRIVATE ${CUDAToolkit_INCLUDE_DIRS})
  target_link_libraries(timeline_app PRIVATE ${CMAKE_DL_LIBS})
endif()
foreach(case np2 np4 cap off twice)
  wprof_add_py_test(timeline_${case} mpi ${CMAKE_CURRENT_LIST_DIR}/timeline_check.py ${case}
                    $<TARGET_FILE:timeline_app> $<TARGET_FILE:wprof> ${_wprof_tl_nvtx})
  set_tests_properties(timeline_${case} PROPERTIES PROCESSORS 4)
endforeach()
# The buffers themselves (threads, cap, sampling, packing), no MPI; also in the TSan build.
wprof_test_program(test_rt_timeline ${CMAKE_CURRENT_LIST_DIR}/timeline_unit.c)
add_test(NAME rt_timeline COMMAND test_rt_timeline)
set_tests_properties(rt_timeline PROPERTIES LABELS unit TIMEOUT 60)
