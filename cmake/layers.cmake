# One static library per folder of lib/, each allowed to include only its own folder and the folders of
# the layers below it: every layer compiles against a tree of its own (build/layers/NAME/) that holds links
# to exactly those folders, so a wrong include ("detect" including "case/...") fails to build.
#
#   unmine_layer(NAME [DEPS layer...] [LIBS external...])
#
# DEPS are the layers directly below; what they may include is allowed too (transitively).
function(unmine_layer name)
  cmake_parse_arguments(L "" "" "DEPS;LIBS" ${ARGN})
  set(allowed ${name})
  foreach(dep ${L_DEPS})
    get_property(dep_allowed GLOBAL PROPERTY UNMINE_LAYER_${dep})
    if(NOT dep_allowed)
      message(FATAL_ERROR "layer ${name}: ${dep} must be declared before it")
    endif()
    list(APPEND allowed ${dep_allowed})
  endforeach()
  list(REMOVE_DUPLICATES allowed)
  set_property(GLOBAL PROPERTY UNMINE_LAYER_${name} ${allowed})

  set(tree ${CMAKE_BINARY_DIR}/layers/${name})
  file(REMOVE_RECURSE ${tree})
  file(MAKE_DIRECTORY ${tree})
  foreach(folder ${allowed})
    file(CREATE_LINK ${CMAKE_SOURCE_DIR}/lib/${folder} ${tree}/${folder} SYMBOLIC)
  endforeach()

  file(GLOB sources CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/lib/${name}/*.cpp)
  add_library(unmine_${name} STATIC ${sources})
  target_include_directories(unmine_${name} PRIVATE ${tree})
  target_compile_options(unmine_${name} PRIVATE ${UNMINE_WARNINGS})
  list(TRANSFORM L_DEPS PREPEND unmine_ OUTPUT_VARIABLE dep_targets)
  target_link_libraries(unmine_${name} PUBLIC ${dep_targets} ${L_LIBS})
  set_property(GLOBAL APPEND PROPERTY UNMINE_LAYERS unmine_${name})
endfunction()
