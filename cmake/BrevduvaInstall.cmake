# What `cmake --install` lays out and what CPack packs into brevduva_<version>_<arch>.deb:
#   bin/brevduva                                  the binary
#   lib/systemd/system/brevduva*.service          the units (ExecStart= rewritten to bin/)
#   lib/sysusers.d/brevduva.conf                  the users brevduva and brevduva-web
#   lib/tmpfiles.d/brevduva.conf                  /var/lib/brevduva, /etc/brevduva/credentials
#   /etc/brevduva/config.yaml                     the example configuration (a conffile)
#   share/brevduva/examples/templates/            example templates
#   share/man/man1/brevduva.1                     generated from the command tree at build time
#   share/doc/brevduva/operations.md              how to run it
# The prefix defaults to /usr, as for a system package: the binary looks for
# /etc/brevduva/config.yaml and systemd for units under /usr/lib. The configuration goes to
# /etc whatever the prefix, so stage an install with DESTDIR, not with --prefix.

include(GNUInstallDirs)

set(BREVDUVA_UNITS brevduva.service brevduva-worker.service brevduva-web.service)
set(BREVDUVA_DEPLOY_DIR "${PROJECT_SOURCE_DIR}/deploy")
set(BREVDUVA_STAGED_DIR "${PROJECT_BINARY_DIR}/deploy")

# The units name /usr/bin/brevduva; an install elsewhere gets its own path written in.
foreach(unit IN LISTS BREVDUVA_UNITS)
    set(source "${BREVDUVA_DEPLOY_DIR}/systemd/${unit}")
    set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS "${source}")
    file(READ "${source}" text)
    string(REPLACE "/usr/bin/brevduva" "${CMAKE_INSTALL_FULL_BINDIR}/brevduva" text "${text}")
    file(CONFIGURE OUTPUT "${BREVDUVA_STAGED_DIR}/${unit}" CONTENT "${text}" @ONLY)
endforeach()

# brevduva(1), written by the binary's hidden `manpage` command from its own command tree.
set(BREVDUVA_MANPAGE "${PROJECT_BINARY_DIR}/man/man1/brevduva.1")
add_custom_command(
    OUTPUT "${BREVDUVA_MANPAGE}"
    COMMAND "${CMAKE_COMMAND}" -E make_directory "${PROJECT_BINARY_DIR}/man/man1"
    COMMAND sh "${CMAKE_CURRENT_LIST_DIR}/BrevduvaManpage.sh" "$<TARGET_FILE:brevduva>"
            "${BREVDUVA_MANPAGE}"
    DEPENDS brevduva "${CMAKE_CURRENT_LIST_DIR}/BrevduvaManpage.sh"
    COMMENT "Generating brevduva(1) from the command tree"
    VERBATIM)
add_custom_target(brevduva_manpage ALL DEPENDS "${BREVDUVA_MANPAGE}")

install(TARGETS brevduva RUNTIME DESTINATION "${CMAKE_INSTALL_BINDIR}")
foreach(unit IN LISTS BREVDUVA_UNITS)
    install(FILES "${BREVDUVA_STAGED_DIR}/${unit}" DESTINATION lib/systemd/system)
endforeach()
install(FILES "${BREVDUVA_DEPLOY_DIR}/systemd/sysusers.conf" DESTINATION lib/sysusers.d
        RENAME brevduva.conf)
install(FILES "${BREVDUVA_DEPLOY_DIR}/systemd/tmpfiles.conf" DESTINATION lib/tmpfiles.d
        RENAME brevduva.conf)
install(FILES "${PROJECT_SOURCE_DIR}/config/brevduva.example.yaml"
        DESTINATION "${CMAKE_INSTALL_FULL_SYSCONFDIR}/brevduva" RENAME config.yaml
        PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ)
install(DIRECTORY "${PROJECT_SOURCE_DIR}/templates/examples/"
        DESTINATION "${CMAKE_INSTALL_DATADIR}/brevduva/examples/templates")
install(FILES "${BREVDUVA_MANPAGE}" DESTINATION "${CMAKE_INSTALL_MANDIR}/man1")
install(FILES "${PROJECT_SOURCE_DIR}/docs/operations.md" DESTINATION "${CMAKE_INSTALL_DOCDIR}")

# The Debian package. Built with `cpack -G DEB` in the build folder.
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME brevduva)
set(CPACK_PACKAGE_VENDOR "Brevduva")
set(CPACK_PACKAGE_VERSION "${PROJECT_VERSION}")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "${PROJECT_DESCRIPTION}")
set(CPACK_PACKAGE_DESCRIPTION
    "Brevduva sends marketing and service e-mail campaigns over SMTP, one personalised message
per recipient, and only when that person's consent allows it at the moment of sending. It
runs as a systemd service on one machine with SQLite, or on several sharing PostgreSQL.
The package installs the units but enables none; see /usr/share/doc/brevduva/operations.md.")
set(CPACK_PACKAGING_INSTALL_PREFIX "${CMAKE_INSTALL_PREFIX}")
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_MAINTAINER "Brevduva maintainers <brevduva@example.se>")
set(CPACK_DEBIAN_PACKAGE_SECTION mail)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
# Library dependencies computed by dpkg-shlibdeps; the maintainer scripts need these too.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_DEPENDS "adduser, passwd")
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "systemd")
# config.yaml is the operator's once installed: dpkg asks before replacing an edited one.
file(CONFIGURE OUTPUT "${BREVDUVA_STAGED_DIR}/debian/conffiles"
     CONTENT "${CMAKE_INSTALL_FULL_SYSCONFDIR}/brevduva/config.yaml\n" @ONLY)
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
    "${BREVDUVA_STAGED_DIR}/debian/conffiles" "${BREVDUVA_DEPLOY_DIR}/debian/postinst"
    "${BREVDUVA_DEPLOY_DIR}/debian/prerm" "${BREVDUVA_DEPLOY_DIR}/debian/postrm")
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
# Debug information stays in the build folder; the package carries a stripped binary.
set(CPACK_STRIP_FILES ON)
include(CPack)
