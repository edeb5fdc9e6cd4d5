# Small helpers so every target is declared the same way.

# Designated initializers leave the remaining fields at their defaults on purpose.
set(CRM_COMMON_WARNINGS -Wall -Wextra -Wno-unused-parameter -Wno-missing-field-initializers)
if(CRM_WARNINGS_AS_ERRORS)
  list(APPEND CRM_COMMON_WARNINGS -Werror)
endif()

# crm_add_library(name SOURCES ... DEPS ...)
function(crm_add_library name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
  add_library(${name} STATIC ${ARG_SOURCES})
  target_include_directories(${name} PUBLIC ${CMAKE_SOURCE_DIR})
  target_compile_options(${name} PRIVATE ${CRM_COMMON_WARNINGS})
  target_link_libraries(${name} PUBLIC ${ARG_DEPS})
endfunction()

# crm_add_executable(name SOURCES ... DEPS ...): services, tools, helpers.
function(crm_add_executable name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  target_include_directories(${name} PRIVATE ${CMAKE_SOURCE_DIR})
  target_compile_options(${name} PRIVATE ${CRM_COMMON_WARNINGS})
  target_link_libraries(${name} PRIVATE ${ARG_DEPS})
endfunction()

# jemalloc as the program's malloc (CRM_JEMALLOC): the services allocate and
# free many small strings per event (commands, replies, protobufs).
function(crm_use_jemalloc target)
  if(CRM_JEMALLOC)
    target_link_libraries(${target} PRIVATE PkgConfig::JEMALLOC)
  endif()
endfunction()

# crm_add_service(name SOURCES ... DEPS ...): a service binary named crm-<name>.
function(crm_add_service name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
  crm_add_executable(crm-${name} SOURCES ${ARG_SOURCES} DEPS ${ARG_DEPS})
  crm_use_jemalloc(crm-${name})
  set_target_properties(crm-${name} PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/bin)
endfunction()

# crm_add_test(name LABEL unit|integration|e2e SOURCES ... DEPS ...)
function(crm_add_test name)
  cmake_parse_arguments(ARG "" "LABEL;TIMEOUT" "SOURCES;DEPS" ${ARGN})
  if(NOT ARG_TIMEOUT)
    set(ARG_TIMEOUT 300)
  endif()
  add_executable(${name} ${ARG_SOURCES})
  target_include_directories(${name} PRIVATE ${CMAKE_SOURCE_DIR})
  target_compile_options(${name} PRIVATE ${CRM_COMMON_WARNINGS})
  target_link_libraries(${name} PRIVATE ${ARG_DEPS} GTest::gmock GTest::gtest_main)
  gtest_discover_tests(${name}
    DISCOVERY_TIMEOUT 60
    PROPERTIES LABELS ${ARG_LABEL} TIMEOUT ${ARG_TIMEOUT})
endfunction()

# crm_add_benchmark(name SOURCES ... DEPS ...)
function(crm_add_benchmark name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
  crm_add_executable(${name} SOURCES ${ARG_SOURCES} DEPS ${ARG_DEPS} benchmark::benchmark)
  crm_use_jemalloc(${name})
  set_target_properties(${name} PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/bench)
endfunction()
