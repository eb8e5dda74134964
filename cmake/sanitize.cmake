# Sanitizer and fuzzing builds (see README, Testing).
#
#   -DAIO_SANITIZE=address,undefined   ASan + UBSan (build-asan/, run by scripts/test.sh)
#   -DAIO_SANITIZE=thread              TSan (build-tsan/, scripts/tsan.sh)
#   -DAIO_FUZZ=ON                      libFuzzer targets in tests/fuzz (clang only, build-fuzz/)
#
# UBSan does not recover (-fno-sanitize-recover=all): a finding aborts the
# process, so it fails the test that ran it. Every executable built here also
# gets default runtime options compiled in (tests/sanitize/default_options.cc):
# stop at the first finding and write the report to $AIO_SANITIZER_LOG_DIR
# (the build's sanitizer-logs/), so that a finding in a process nobody waits
# for (the mount daemon) is still seen: the ctest test sanitize.reports fails
# on any file there. ASAN_OPTIONS etc. in the environment still override.
set(AIO_SANITIZE "" CACHE STRING "Sanitizers to build with: address,undefined | thread (empty: none)")
option(AIO_FUZZ "Build the libFuzzer targets (tests/fuzz; needs clang)" OFF)

set(AIO_SANITIZER_LOG_DIR "${CMAKE_BINARY_DIR}/sanitizer-logs")

if(AIO_SANITIZE)
  if(AIO_SANITIZE MATCHES "thread" AND AIO_SANITIZE MATCHES "address")
    message(FATAL_ERROR "AIO_SANITIZE: thread cannot be combined with address")
  endif()
  add_compile_options(-fsanitize=${AIO_SANITIZE} -fno-omit-frame-pointer)
  add_link_options(-fsanitize=${AIO_SANITIZE})
  if(AIO_SANITIZE MATCHES "undefined")
    add_compile_options(-fno-sanitize-recover=all)
  endif()
  add_library(aio_sanitizer_options OBJECT ${CMAKE_SOURCE_DIR}/tests/sanitize/default_options.cc)
  target_compile_definitions(aio_sanitizer_options PRIVATE
    AIO_SANITIZER_LOG_DIR="${AIO_SANITIZER_LOG_DIR}")
  file(MAKE_DIRECTORY ${AIO_SANITIZER_LOG_DIR})
endif()

if(AIO_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    message(FATAL_ERROR "AIO_FUZZ needs clang (CC=clang CXX=clang++)")
  endif()
  # Coverage for libFuzzer everywhere (core too); ASan and UBSan beside it
  # unless AIO_SANITIZE chose otherwise.
  add_compile_options(-fsanitize=fuzzer-no-link)
  if(NOT AIO_SANITIZE)
    add_compile_options(-fsanitize=address,undefined -fno-sanitize-recover=all
                        -fno-omit-frame-pointer)
    add_link_options(-fsanitize=address,undefined)
  endif()
endif()

# What an executable of this build links beside its own sources.
function(aio_sanitized_executable target)
  if(TARGET aio_sanitizer_options)
    target_link_libraries(${target} PRIVATE aio_sanitizer_options)
  endif()
endfunction()
