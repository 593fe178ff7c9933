# brevduva_embed_files(<target> <namespace> <files...>)
# Compiles text files (SQL migrations, page templates) into the binary, so that an installed
# brevduva needs no data directory and a missing file fails the build, not the boot. The files
# are reachable through <namespace>::embedded_files(), declared by the component itself and
# returning a span of brevduva::EmbeddedFile (store/store_embedded.hpp), sorted by name.
function(brevduva_embed_files target namespace)
    set(out_cpp "${CMAKE_CURRENT_BINARY_DIR}/embedded_${target}.cpp")
    set(inputs "")
    foreach(f IN LISTS ARGN)
        get_filename_component(abs "${f}" ABSOLUTE)
        list(APPEND inputs "${abs}")
    endforeach()
    add_custom_command(
        OUTPUT "${out_cpp}"
        COMMAND ${CMAKE_COMMAND} -DOUT=${out_cpp} -DNAMESPACE=${namespace} "-DINPUTS=${inputs}"
                -DBASE=${CMAKE_CURRENT_SOURCE_DIR}
                -P "${PROJECT_SOURCE_DIR}/cmake/BrevduvaEmbedGenerate.cmake"
        DEPENDS ${inputs} "${PROJECT_SOURCE_DIR}/cmake/BrevduvaEmbedGenerate.cmake"
        COMMENT "Embedding files into ${target}"
        VERBATIM)
    target_sources(${target} PRIVATE "${out_cpp}")
endfunction()
