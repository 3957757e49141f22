# End-to-end: the real library under the real mpiexec, reports read back with h5py, h5dump, wprof.
wprof_test_program(e2e_app ${CMAKE_CURRENT_SOURCE_DIR}/e2e_app.c)
foreach(np 1 2 4)
  wprof_add_py_test(e2e_report_np${np} mpi ${CMAKE_CURRENT_SOURCE_DIR}/e2e_report.py ${np})
  set_tests_properties(e2e_report_np${np} PROPERTIES PROCESSORS ${np})
endforeach()
foreach(case disagree subset never_start ranks_none)
  wprof_add_py_test(e2e_${case} mpi ${CMAKE_CURRENT_SOURCE_DIR}/e2e_faults.py ${case})
  set_tests_properties(e2e_${case} PROPERTIES PROCESSORS 4)
endforeach()

# The demo itself, as ./run.sh demo runs it.
wprof_add_mpi_test(NAME demo_np4 NP 4 COMMAND $<TARGET_FILE:wprof_demo> 6 2
                   ENV WPROF_OUTPUT=${CMAKE_CURRENT_BINARY_DIR}/demo-np4.h5 WPROF_DELAY_ITERS=1 WPROF_MAX_ITERS=3)
set_tests_properties(demo_np4 PROPERTIES FIXTURES_SETUP demo_report)
add_test(NAME demo_report_readable COMMAND $<TARGET_FILE:wprof_cli> report ${CMAKE_CURRENT_BINARY_DIR}/demo-np4.h5)
set_tests_properties(demo_report_readable PROPERTIES LABELS mpi FIXTURES_REQUIRED demo_report
                     PASS_REGULAR_EXPRESSION "train_step")

# Never hang (issue 7): a rank late to stop or to finalize, one that never starts, settings that
# disagree; each job ends within the sync timeout plus a few seconds, with the report naming the rank.
foreach(case late_stop late_finalize never_start disagree)
  wprof_add_py_test(e2e_hang_${case} mpi ${CMAKE_CURRENT_SOURCE_DIR}/e2e_hang.py ${case})
  set_tests_properties(e2e_hang_${case} PROPERTIES PROCESSORS 4)
endforeach()
# Crash spills and `wprof recover`: a rank killed after its first window, kept spills against the
# real report, damaged spills, a symlinked spill directory, a rank killed in an open window (with
# WPROF_SPILL_INTERVAL_MS and without); and safe creation of the report file.
foreach(case crash keep damage symlink open open_off)
  wprof_add_py_test(e2e_recover_${case} mpi ${CMAKE_CURRENT_SOURCE_DIR}/e2e_recover.py ${case})
  set_tests_properties(e2e_recover_${case} PROPERTIES PROCESSORS 4)
endforeach()
wprof_add_py_test(e2e_report_files mpi ${CMAKE_CURRENT_SOURCE_DIR}/e2e_files.py)

# `wprof run` (issue 5): programs that do not call wprof.
if(WPROF_HAVE_NVTX)
  add_executable(nvtx_steps ${CMAKE_CURRENT_SOURCE_DIR}/nvtx_steps.c)
  target_include_directories(nvtx_steps PRIVATE ${CUDAToolkit_INCLUDE_DIRS})
  target_link_libraries(nvtx_steps PRIVATE ${CMAKE_DL_LIBS})
endif()
foreach(case full step_mpi step_range flags_and_env errors)
  wprof_add_py_test(wprof_run_${case} mpi ${CMAKE_CURRENT_SOURCE_DIR}/e2e_run.py ${case})
  set_tests_properties(wprof_run_${case} PROPERTIES PROCESSORS 4)
endforeach()

# The API out of order on 2 ranks (before init, twice, after MPI_Finalize): statuses, never a crash.
wprof_test_program(api_edges ${CMAKE_CURRENT_SOURCE_DIR}/api_edges.c)
find_package(Threads REQUIRED)
target_link_libraries(api_edges PRIVATE Threads::Threads)
wprof_add_mpi_test(NAME api_out_of_order_np2 NP 2 COMMAND $<TARGET_FILE:api_edges>
                   ENV WPROF_OUTPUT=${CMAKE_CURRENT_BINARY_DIR}/api-edges.h5)
# A report that lacks a rank (late to finalize) keeps the spills, so that rank's windows can be recovered.
wprof_add_py_test(e2e_hang_late_finalize_spill mpi ${CMAKE_CURRENT_SOURCE_DIR}/e2e_hang.py late_finalize_spill)
set_tests_properties(e2e_hang_late_finalize_spill PROPERTIES PROCESSORS 4)
# `wprof run` messages: the load-time session claims no rank, the backend choice is said once per process.
wprof_add_py_test(wprof_run_messages mpi ${CMAKE_CURRENT_SOURCE_DIR}/e2e_run.py messages)
set_tests_properties(wprof_run_messages PROPERTIES PROCESSORS 2)
# Rank 0 itself misbehaving: it never starts (the others must not wait the full deadline at every later
# sync point), or it stops late (the report's sync must not say ok when the others gave up on it).
foreach(case root_never_start root_late_stop root_late_finalize differing_max differing_max_reset fail_start
             skip_window_r2 skip_window_r0)
  wprof_add_py_test(e2e_hang_${case} mpi ${CMAKE_CURRENT_SOURCE_DIR}/e2e_hang.py ${case})
  set_tests_properties(e2e_hang_${case} PROPERTIES PROCESSORS 4)
endforeach()
# A malformed setting is reported once per process (issue 3), even though MPI_Init sets a session up first.
wprof_add_py_test(e2e_malformed_once mpi ${CMAKE_CURRENT_SOURCE_DIR}/e2e_faults.py malformed_once)
set_tests_properties(e2e_malformed_once PROPERTIES PROCESSORS 2)

# An application built with AddressSanitizer around a normal libwprof: rank 0 must still write the
# report (the test program exits 1 when wprof_finalize fails).
if(NOT WPROF_SANITIZE)
  include(CheckCSourceCompiles)
  set(CMAKE_REQUIRED_FLAGS -fsanitize=address)
  set(CMAKE_REQUIRED_LINK_OPTIONS -fsanitize=address)
  check_c_source_compiles("int main(void) { return 0; }" WPROF_CC_HAS_ASAN)
  unset(CMAKE_REQUIRED_FLAGS)
  unset(CMAKE_REQUIRED_LINK_OPTIONS)
  if(WPROF_CC_HAS_ASAN)
    add_executable(e2e_app_asan_user ${CMAKE_CURRENT_SOURCE_DIR}/e2e_app.c)
    target_compile_options(e2e_app_asan_user PRIVATE -fsanitize=address)
    target_link_options(e2e_app_asan_user PRIVATE -fsanitize=address)
    target_link_libraries(e2e_app_asan_user PRIVATE wprof)
    wprof_add_mpi_test(NAME asan_application_np2 NP 2 COMMAND $<TARGET_FILE:e2e_app_asan_user> --iters 2
                       ENV WPROF_OUTPUT=${CMAKE_CURRENT_BINARY_DIR}/asan-app.h5 ASAN_OPTIONS=detect_leaks=0)
  endif()
endif()
# Sessions over sub-communicators (issue 16): two halves, a pair profiling alone (either pair), and
# wprof_init calls on rank 0 alone.
wprof_test_program(subcomm_app ${CMAKE_CURRENT_SOURCE_DIR}/subcomm_app.c)
foreach(case halves pair01 pair23 root_only)
  wprof_add_py_test(subcomm_${case} mpi ${CMAKE_CURRENT_SOURCE_DIR}/subcomm.py ${case})
  set_tests_properties(subcomm_${case} PROPERTIES PROCESSORS 4)
endforeach()
