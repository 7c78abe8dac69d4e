# Precompiled headers (TABELLA_PCH, on by default): the third-party headers that dominate the
# build are parsed once instead of in every translation unit. nlohmann/json.hpp is included by
# 112 of the 179 translation units of the dev build and takes 3-4 s of CPU to parse each time
# under the sanitizers; GoogleTest's gtest.h, included by every test, 2-3 s.
#
# Two donor targets build the headers; every other target of ours reuses one of them
# (REUSE_FROM): the GoogleTest programs the one with gtest.h, the rest the one with json.hpp.
# A reused header must be compiled with the same language options as its users, so targets that
# differ are left alone: the Qt ones (position-independent code) and the libFuzzer targets
# (coverage instrumentation). The gcc preset builds with -DTABELLA_PCH=OFF, so a file that uses
# a header without including it still fails to compile there.
option(TABELLA_PCH "Precompile nlohmann/json and GoogleTest for Tabella's own targets" ON)

# All build-system targets defined in `dir` and its subdirectories.
function(_tabella_targets_under dir out)
  get_property(targets DIRECTORY ${dir} PROPERTY BUILDSYSTEM_TARGETS)
  get_property(subdirs DIRECTORY ${dir} PROPERTY SUBDIRECTORIES)
  foreach(sub ${subdirs})
    _tabella_targets_under(${sub} more)
    list(APPEND targets ${more})
  endforeach()
  set(${out} ${targets} PARENT_SCOPE)
endfunction()

# Called once at the end of the top-level CMakeLists.txt, when every target exists.
function(tabella_precompile_headers)
  if(NOT TABELLA_PCH)
    return()
  endif()
  set(common_headers <nlohmann/json.hpp> <string> <vector> <map> <memory> <functional> <optional>
                     <chrono> <mutex> <thread> <filesystem>)
  set(src ${PROJECT_SOURCE_DIR}/cmake/pch/pch.cpp)
  add_library(tabella_pch_json OBJECT ${src})
  target_link_libraries(tabella_pch_json PRIVATE nlohmann_json::nlohmann_json tabella_options)
  target_precompile_headers(tabella_pch_json PRIVATE ${common_headers})
  set(donors tabella_pch_json)
  if(TARGET GTest::gtest)
    add_library(tabella_pch_gtest OBJECT ${src})
    target_link_libraries(tabella_pch_gtest PRIVATE nlohmann_json::nlohmann_json GTest::gtest
                                                    tabella_options)
    target_precompile_headers(tabella_pch_gtest PRIVATE <gtest/gtest.h> ${common_headers})
    list(APPEND donors tabella_pch_gtest)
  endif()

  _tabella_targets_under(${PROJECT_SOURCE_DIR} targets)
  foreach(t ${targets})
    if(t IN_LIST donors)
      continue()
    endif()
    get_target_property(type ${t} TYPE)
    if(NOT type MATCHES "^(EXECUTABLE|STATIC_LIBRARY|OBJECT_LIBRARY)$")
      continue()
    endif()
    get_target_property(sources ${t} SOURCES)
    if(NOT sources MATCHES "\\.cpp")
      continue()
    endif()
    get_target_property(libs ${t} LINK_LIBRARIES)
    get_target_property(dir ${t} SOURCE_DIR)
    if(NOT libs OR NOT "tabella_options" IN_LIST libs OR libs MATCHES "Qt6::"
       OR dir MATCHES "/kiosk$")
      continue()  # not ours, or Qt (directly or through the kiosk's libraries)
    endif()
    get_target_property(link_options ${t} LINK_OPTIONS)
    get_target_property(compile_options ${t} COMPILE_OPTIONS)
    if("${link_options};${compile_options}" MATCHES "fuzzer")
      continue()
    endif()
    if("GTest::gtest" IN_LIST libs AND TARGET tabella_pch_gtest)
      target_precompile_headers(${t} REUSE_FROM tabella_pch_gtest)
    else()
      target_precompile_headers(${t} REUSE_FROM tabella_pch_json)
    endif()
  endforeach()
endfunction()
