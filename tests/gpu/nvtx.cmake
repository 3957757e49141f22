# NVTX injection and the cuda-profiler-api backend on a GPU-less machine (labels unit), and a real
# CUDA program profiled with cupti (label gpu) when nvcc is there; it skips with 77 without a device.
if(NOT WPROF_HAVE_NVTX)
  return()
endif()

# Linked against the shared libwprof: the injection (NVTX_INJECTION64_PATH) must be the same copy
# the application's window calls go to.
add_executable(nvtx_app ${CMAKE_CURRENT_LIST_DIR}/nvtx_app.c)
target_include_directories(nvtx_app PRIVATE ${CUDAToolkit_INCLUDE_DIRS})
target_link_libraries(nvtx_app PRIVATE wprof ${CMAKE_DL_LIBS})
wprof_add_py_test(nvtx_injection unit ${CMAKE_CURRENT_LIST_DIR}/nvtx_check.py)
wprof_add_py_test(cuda_profiler_api_nodevice unit ${CMAKE_CURRENT_LIST_DIR}/backend_check.py)

include(CheckLanguage)
check_language(CUDA)
if(CMAKE_CUDA_COMPILER)
  enable_language(CUDA)
  add_executable(cuda_app ${CMAKE_CURRENT_LIST_DIR}/cuda_app.cu)
  target_link_libraries(cuda_app PRIVATE wprof)
  wprof_add_py_test(cuda_device_cupti gpu ${CMAKE_CURRENT_LIST_DIR}/cuda_check.py)
  # what `./run.sh gpu-check` profiles (gpu_check.py prints the verdict table); not a CTest test
  add_executable(gpu_check_app ${CMAKE_CURRENT_LIST_DIR}/gpu_check_app.cu)
  target_include_directories(gpu_check_app PRIVATE ${CUDAToolkit_INCLUDE_DIRS})
  target_link_libraries(gpu_check_app PRIVATE wprof ${CMAKE_DL_LIBS})
  # its verdict's exit status where no device is usable: 77 without a GPU, a failure with one
  wprof_add_py_test(gpu_check_verdict gpu ${CMAKE_CURRENT_LIST_DIR}/gpu_check_verdict.py)
else()
  message(STATUS "wprof: no CUDA compiler: the device test (label gpu) is not built")
endif()
