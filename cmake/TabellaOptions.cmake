# Options applied to Tabella's own targets only (linked PRIVATE), never leaked to consumers.
add_library(tabella_warnings INTERFACE)
target_compile_options(tabella_warnings INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Wold-style-cast -Wcast-align
  -Woverloaded-virtual -Wimplicit-fallthrough
  # GCC's -Wnull-dereference fires inside Boost.Asio's inlined scheduler code at -O2; clang's is precise.
  $<$<CXX_COMPILER_ID:Clang>:-Wnull-dereference>
  # Lock discipline: members marked TABELLA_GUARDED_BY (tabella/util/mutex.h) are only touched
  # with their mutex held; checked at compile time.
  $<$<CXX_COMPILER_ID:Clang>:-Wthread-safety>
  $<$<BOOL:${TABELLA_WERROR}>:-Werror>
  # GCC 12 reports false -Wrestrict positives inside libstdc++'s std::string (GCC bug 105329).
  $<$<CXX_COMPILER_ID:GNU>:-Wno-restrict>)
# OpenSSL: the 3.0 API only, no deprecated call anywhere in our code.
target_compile_definitions(tabella_warnings INTERFACE OPENSSL_API_COMPAT=30000 OPENSSL_NO_DEPRECATED)

add_library(tabella_sanitizers INTERFACE)
if(TABELLA_SANITIZE)
  target_compile_options(tabella_sanitizers INTERFACE
    -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer)
  target_link_options(tabella_sanitizers INTERFACE -fsanitize=address,undefined)
endif()
if(TABELLA_TSAN)
  if(TABELLA_SANITIZE)
    message(FATAL_ERROR "TABELLA_TSAN and TABELLA_SANITIZE cannot be combined")
  endif()
  target_compile_options(tabella_sanitizers INTERFACE -fsanitize=thread -fno-omit-frame-pointer)
  target_link_options(tabella_sanitizers INTERFACE -fsanitize=thread)
endif()

# Link with lld where it is installed (deploy/install-deps.sh installs it): the suite links over a
# hundred sanitizer-instrumented executables, which GNU ld links several times slower.
# -DTABELLA_LLD=OFF keeps the system linker.
option(TABELLA_LLD "Link with lld when the compiler accepts -fuse-ld=lld" ON)
if(TABELLA_LLD)
  include(CheckLinkerFlag)
  check_linker_flag(CXX -fuse-ld=lld TABELLA_HAVE_LLD)
  if(TABELLA_HAVE_LLD)
    add_link_options(-fuse-ld=lld)
  endif()
endif()

add_library(tabella_options INTERFACE)
target_link_libraries(tabella_options INTERFACE tabella_warnings tabella_sanitizers)

# tabella_executable(name SOURCES ... LIBS ...): a thin program over the layer libraries.
function(tabella_executable name)
  cmake_parse_arguments(ARG "" "" "SOURCES;LIBS" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  target_link_libraries(${name} PRIVATE ${ARG_LIBS} tabella_options)
endfunction()
