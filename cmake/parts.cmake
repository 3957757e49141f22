# The folders of each part (docs/design.md#layout says what each owns). Header names are unique
# across all folders, so a file includes "name.h" wherever the header sits; these lists give the
# compiler the folders. Included by the top level and by the separate fuzz and TSan projects.
# WPROF_ROOT must be set to the source tree's root before including this file.
set(WPROF_IO_FOLDERS model wire spill summary format h5write h5)
set(WPROF_COLLECTIVES_FOLDERS .)
set(WPROF_RUNTIME_FOLDERS api window report session backends cupti mpi host base)
set(WPROF_TOOLS_FOLDERS . common draw report run recover diff doctor plot compare sweep trace)

foreach(part IO COLLECTIVES RUNTIME TOOLS)
  string(TOLOWER ${part} dir)
  set(WPROF_${part}_INCLUDE_DIRS "")
  foreach(sub ${WPROF_${part}_FOLDERS})
    get_filename_component(abs ${WPROF_ROOT}/${dir}/${sub} ABSOLUTE)
    list(APPEND WPROF_${part}_INCLUDE_DIRS ${abs})
  endforeach()
endforeach()

# wprof_part_sources(VAR part [pattern]): the .c files of a part's folders (pattern: file glob, *.c).
function(wprof_part_sources var part)
  set(pattern "*.c")
  if(ARGC GREATER 2)
    set(pattern ${ARGV2})
  endif()
  string(TOUPPER ${part} up)
  set(all "")
  foreach(d ${WPROF_${up}_INCLUDE_DIRS})
    file(GLOB found CONFIGURE_DEPENDS ${d}/${pattern})
    list(APPEND all ${found})
  endforeach()
  set(${var} ${all} PARENT_SCOPE)
endfunction()
