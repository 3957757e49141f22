# cmake --install: headers, libwprof (.so and .a), the wprof command,
# a CMake package (find_package(wprof) -> wprof::wprof) and wprof.pc for pkg-config.
include(CMakePackageConfigHelpers)

install(TARGETS wprof wprof_static EXPORT wprofTargets
        LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
        INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(TARGETS wprof_cli RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(DIRECTORY ${PROJECT_SOURCE_DIR}/runtime/include/wprof DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})

set(WPROF_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/wprof)
install(EXPORT wprofTargets NAMESPACE wprof:: DESTINATION ${WPROF_CMAKE_DIR})
configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/wprofConfig.cmake.in
  ${PROJECT_BINARY_DIR}/wprofConfig.cmake INSTALL_DESTINATION ${WPROF_CMAKE_DIR})
write_basic_package_version_file(${PROJECT_BINARY_DIR}/wprofConfigVersion.cmake
  VERSION ${PROJECT_VERSION} COMPATIBILITY SameMajorVersion)
install(FILES ${PROJECT_BINARY_DIR}/wprofConfig.cmake ${PROJECT_BINARY_DIR}/wprofConfigVersion.cmake
        DESTINATION ${WPROF_CMAKE_DIR})

# pkg-config: name the MPI's own .pc when it has one, so `pkg-config --cflags wprof` finds mpi.h.
set(WPROF_PC_REQUIRES "")
foreach(mod ompi-c mpich mpi)
  pkg_check_modules(WPROF_PC_MPI QUIET ${mod})
  if(WPROF_PC_MPI_FOUND)
    set(WPROF_PC_REQUIRES "Requires: ${mod}")
    break()
  endif()
endforeach()
# Relocatable: the prefix is found from the .pc file's own place, so --prefix at install time works.
file(RELATIVE_PATH WPROF_PC_UP /root/${CMAKE_INSTALL_LIBDIR}/pkgconfig /root)
string(REGEX REPLACE "/$" "" WPROF_PC_UP "${WPROF_PC_UP}")
configure_file(${PROJECT_SOURCE_DIR}/cmake/wprof.pc.in ${PROJECT_BINARY_DIR}/wprof.pc @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/wprof.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
