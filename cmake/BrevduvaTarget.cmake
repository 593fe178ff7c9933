# One place for the compiler settings every Brevduva target shares.

function(brevduva_set_warnings target)
    target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor
                                             -Wold-style-cast -Wcast-align -Woverloaded-virtual
                                             -Wimplicit-fallthrough)
endfunction()

# brevduva_component(<name> SOURCES ... [PUBLIC_DEPS ...] [PRIVATE_DEPS ...])
# Declares the static library brevduva_<name> with the alias brevduva::<name>; its headers are
# included as "<name>/<file>.hpp" from the source root.
function(brevduva_component name)
    cmake_parse_arguments(ARG "" "" "SOURCES;PUBLIC_DEPS;PRIVATE_DEPS" ${ARGN})
    add_library(brevduva_${name} STATIC ${ARG_SOURCES})
    add_library(brevduva::${name} ALIAS brevduva_${name})
    target_include_directories(brevduva_${name} PUBLIC ${PROJECT_SOURCE_DIR})
    target_compile_features(brevduva_${name} PUBLIC cxx_std_20)
    target_link_libraries(brevduva_${name} PUBLIC ${ARG_PUBLIC_DEPS} PRIVATE ${ARG_PRIVATE_DEPS})
    brevduva_set_warnings(brevduva_${name})
endfunction()

# brevduva_component_test(<name> SOURCES ... [DEPS ...])
# One GoogleTest executable per component, registered with ctest through gtest_discover_tests.
function(brevduva_component_test name)
    if(NOT BREVDUVA_BUILD_TESTS)
        return()
    endif()
    cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
    add_executable(brevduva_${name}_test ${ARG_SOURCES})
    target_link_libraries(brevduva_${name}_test PRIVATE ${ARG_DEPS} GTest::gtest GTest::gmock
                                                        GTest::gtest_main)
    target_compile_definitions(
        brevduva_${name}_test
        PRIVATE BREVDUVA_SOURCE_DIR="${PROJECT_SOURCE_DIR}"
                BREVDUVA_SHARED_DIR="${PROJECT_SOURCE_DIR}/../shared")
    brevduva_set_warnings(brevduva_${name}_test)
    gtest_discover_tests(brevduva_${name}_test DISCOVERY_TIMEOUT 60
                         PROPERTIES LABELS ${name})
endfunction()
