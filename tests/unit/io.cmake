# Unit tests of the io core (wprof_io): histogram percentiles, the wire format, job merging and
# summaries. They link the object library alone: no MPI, no HDF5.
foreach(t test_io_hist test_io_wire test_io_summary test_io_job test_io_intervals)
  add_executable(${t} ${CMAKE_CURRENT_SOURCE_DIR}/${t}.c)
  target_link_libraries(${t} PRIVATE wprof_io)
  target_include_directories(${t} PRIVATE ${WPROF_IO_INCLUDE_DIRS} ${PROJECT_SOURCE_DIR}/tests/common)
  add_test(NAME ${t} COMMAND ${t})
  set_tests_properties(${t} PROPERTIES LABELS unit TIMEOUT 300)
endforeach()
