# Run metadata (WPROF_META, `wprof run --meta`, /meta) and `wprof doctor` on real spills (issue 9).
wprof_add_py_test(mpi_meta mpi ${CMAKE_CURRENT_SOURCE_DIR}/meta.py)
set_tests_properties(mpi_meta PROPERTIES PROCESSORS 2)
