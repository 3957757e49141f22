# The installed package works for a consumer both ways (CMake and pkg-config), and libwprof.so
# depends on neither HDF5 nor CUDA.
add_test(NAME install_consumer
         COMMAND ${CMAKE_COMMAND} -E env ${WPROF_TEST_ENV} "WPROF_C_COMPILER=${CMAKE_C_COMPILER}"
                 bash ${CMAKE_CURRENT_SOURCE_DIR}/consumer_test.sh)
set_tests_properties(install_consumer PROPERTIES LABELS "tools;install" TIMEOUT 300 RUN_SERIAL TRUE)

add_test(NAME libwprof_needed_libraries
         COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/needed_libs_test.sh $<TARGET_FILE:wprof>)
set_tests_properties(libwprof_needed_libraries PROPERTIES LABELS "tools;install")
