# MPI tests of collectives/ through the wpc API: sync points (complete, staggered, a late or skipping
# rank, rank 0 late, settings disagreement) and the finalize gather (20 MB and 0-byte buffers, a rank
# absent or late, rank 0 absent). Each program's second argument is the sync timeout in ms; the
# timing checks are relative to it.
# They link collectives/ and io/ alone: libwprof's MPI_Init wrapper would start a wprof session of
# its own beside the one under test.
foreach(prog test_wpc_sync test_wpc_gather)
  add_executable(${prog} ${CMAKE_CURRENT_LIST_DIR}/${prog}.c)
  target_link_libraries(${prog} PRIVATE wprof_collectives wprof_io MPI::MPI_C m)
  target_include_directories(${prog} PRIVATE ${PROJECT_SOURCE_DIR}/tests/common)
endforeach()

foreach(np 1 2 4)
  foreach(mode basic stagger agree)
    wprof_add_mpi_test(NAME mpi_wpc_sync_${mode}_np${np} NP ${np}
                       COMMAND $<TARGET_FILE:test_wpc_sync> ${mode} 2000 TIMEOUT 60)
  endforeach()
  wprof_add_mpi_test(NAME mpi_wpc_gather_sizes_np${np} NP ${np}
                     COMMAND $<TARGET_FILE:test_wpc_gather> sizes 2000 TIMEOUT 60)
endforeach()

foreach(np 2 4)
  foreach(mode late skip rootlate resync rootresync)
    wprof_add_mpi_test(NAME mpi_wpc_sync_${mode}_np${np} NP ${np}
                       COMMAND $<TARGET_FILE:test_wpc_sync> ${mode} 500 TIMEOUT 60)
  endforeach()
  foreach(mode absent late rootabsent skipkey tags staledata)
    wprof_add_mpi_test(NAME mpi_wpc_gather_${mode}_np${np} NP ${np}
                       COMMAND $<TARGET_FILE:test_wpc_gather> ${mode} 1000 TIMEOUT 60)
  endforeach()
endforeach()
