# Unit tests of the io core (wprof_io): histogram percentiles, the wire format (round trip and hostile
# input; older writers' data), job merging and summaries. They link the object library alone: no MPI,
# no HDF5. The wire tests share tests/common/wptest_wire.h.
foreach(t test_io_hist test_io_wire test_io_wire_compat test_io_summary test_io_job test_io_intervals
          test_io_spill_frames)
  add_executable(${t} ${CMAKE_CURRENT_SOURCE_DIR}/${t}.c)
  target_link_libraries(${t} PRIVATE wprof_io)
  target_include_directories(${t} PRIVATE ${WPROF_IO_INCLUDE_DIRS} ${PROJECT_SOURCE_DIR}/tests/common)
  add_test(NAME ${t} COMMAND ${t})
  set_tests_properties(${t} PROPERTIES LABELS unit TIMEOUT 300)
endforeach()
