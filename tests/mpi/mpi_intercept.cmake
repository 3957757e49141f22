# MPI interception (issue 5): programs that neither include nor link wprof, run with
# LD_PRELOAD=libwprof.so; the /mpi rows must hold exactly the calls they made. Fortran needs mpifort
# (Debian: gfortran, with openmpi-bin's wrapper); without it the Fortran case is skipped.
add_executable(mpi_app ${CMAKE_CURRENT_LIST_DIR}/mpi_app.c)
target_link_libraries(mpi_app PRIVATE MPI::MPI_C)
add_executable(mpi_linked_app ${CMAKE_CURRENT_LIST_DIR}/mpi_linked_app.c)
target_link_libraries(mpi_linked_app PRIVATE wprof)

set(WPROF_FORTRAN_APP "")
find_program(WPROF_MPIFORT NAMES mpifort mpif90)
if(WPROF_MPIFORT)
  execute_process(COMMAND ${WPROF_MPIFORT} --version RESULT_VARIABLE _wprof_fort_rc OUTPUT_QUIET ERROR_QUIET)
endif()
if(WPROF_MPIFORT AND _wprof_fort_rc EQUAL 0)
  set(WPROF_FORTRAN_APP ${CMAKE_CURRENT_BINARY_DIR}/mpi_fortran_app)
  add_custom_command(OUTPUT ${WPROF_FORTRAN_APP}
    COMMAND ${WPROF_MPIFORT} -O1 -o ${WPROF_FORTRAN_APP} ${CMAKE_CURRENT_LIST_DIR}/mpi_fortran_app.f90
    DEPENDS ${CMAKE_CURRENT_LIST_DIR}/mpi_fortran_app.f90 WORKING_DIRECTORY ${CMAKE_CURRENT_BINARY_DIR}
    COMMENT "Building the Fortran MPI test program with ${WPROF_MPIFORT}")
  add_custom_target(mpi_fortran_app ALL DEPENDS ${WPROF_FORTRAN_APP})
else()
  message(STATUS "wprof: no working mpifort (install gfortran); the Fortran interception test is skipped")
endif()

set(_wprof_intercept_args --lib $<TARGET_FILE:wprof> --app $<TARGET_FILE:mpi_app>
    --linked-app $<TARGET_FILE:mpi_linked_app> --fortran-app=${WPROF_FORTRAN_APP})
foreach(case preload step linked ranks fortran)
  wprof_add_py_test(mpi_intercept_${case} mpi ${CMAKE_CURRENT_LIST_DIR}/mpi_intercept.py ${case} ${_wprof_intercept_args})
  set_tests_properties(mpi_intercept_${case} PROPERTIES PROCESSORS 4)
endforeach()
