#!/usr/bin/env bash
# The Debian package: builds it with CPack from this build folder into a temporary folder and
# reads it back with dpkg-deb (the files, the control fields, the maintainer scripts).
# With --install it also installs it with dpkg -i, checks the users and folders postinst made
# and that nothing was enabled, then purges it and checks they are gone. That part changes the
# machine, so it runs only as root, only when BREVDUVA_TEST_DPKG_INSTALL=1 (a throwaway CI
# container) and only when no brevduva package is installed already; otherwise it is skipped
# (exit 77).
# Usage: deploy_package_test.sh BUILD_FOLDER [--install]
set -euo pipefail

build=$1
install=${2:-}
skip=77

if [ "$install" = --install ]; then
    if [ "$(id -u)" -ne 0 ]; then
        echo "skipped: dpkg -i needs root"
        exit $skip
    fi
    if [ "${BREVDUVA_TEST_DPKG_INSTALL:-}" != 1 ]; then
        echo "skipped: set BREVDUVA_TEST_DPKG_INSTALL=1 to install and purge the package here"
        exit $skip
    fi
    if dpkg-query -W -f='${Status}' brevduva 2>/dev/null | grep -q installed; then
        echo "skipped: a brevduva package is installed on this machine already"
        exit $skip
    fi
fi

# A Debian package lives in /usr and /etc. A new build folder defaults to /usr; one configured
# before the install rules existed kept /usr/local.
prefix=$(sed -n 's/^CMAKE_INSTALL_PREFIX:PATH=//p' "$build/CMakeCache.txt")
if [ "$prefix" != /usr ]; then
    echo "skipped: $build is configured with CMAKE_INSTALL_PREFIX=$prefix; reconfigure it with" \
        "-DCMAKE_INSTALL_PREFIX=/usr to build the package"
    exit $skip
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failures=0
fail() {
    echo "FAIL: $*" >&2
    failures=$((failures + 1))
}

if ! cpack --config "$build/CPackConfig.cmake" -G DEB -B "$work" >"$work/cpack.log" 2>&1; then
    cat "$work/cpack.log" >&2
    exit 1
fi
deb=$(find "$work" -maxdepth 1 -name 'brevduva_*.deb' | head -n 1)
[ -n "$deb" ] || { cat "$work/cpack.log" >&2; echo "FAIL: no .deb was made" >&2; exit 1; }
echo "built $(basename "$deb")"

contents=$(dpkg-deb -c "$deb")
for file in ./usr/bin/brevduva \
    ./usr/lib/systemd/system/brevduva.service \
    ./usr/lib/systemd/system/brevduva-worker.service \
    ./usr/lib/systemd/system/brevduva-web.service \
    ./usr/lib/sysusers.d/brevduva.conf \
    ./usr/lib/tmpfiles.d/brevduva.conf \
    ./etc/brevduva/config.yaml \
    ./usr/share/brevduva/examples/templates/nyhetsbrev/body.html.mustache \
    ./usr/share/man/man1/brevduva.1 \
    ./usr/share/doc/brevduva/operations.md; do
    grep -q " $file\$" <<<"$contents" || fail "the package lacks $file"
done
if grep -q ' \./usr/local/' <<<"$contents"; then fail "the package installs into /usr/local"; fi

field() { dpkg-deb -f "$deb" "$1"; }
[ "$(field Package)" = brevduva ] || fail "Package is '$(field Package)', not brevduva"
depends=$(field Depends)
for needed in libc6 libpoco adduser; do
    grep -q "$needed" <<<"$depends" || fail "Depends lacks $needed: $depends"
done

info=$(dpkg-deb -I "$deb")
for script in postinst prerm postrm conffiles; do
    grep -Eq "^ +[0-9]+ bytes, +[0-9]+ lines +\*? *$script( |\$)" <<<"$info" ||
        fail "the package has no $script"
done
dpkg-deb -e "$deb" "$work/control"
grep -qx /etc/brevduva/config.yaml "$work/control/conffiles" ||
    fail "config.yaml is not a conffile"
grep -q systemd-sysusers "$work/control/postinst" || fail "postinst creates no user"
grep -q 'daemon-reload' "$work/control/postinst" || fail "postinst does not reload systemd"
if grep -Eq 'systemctl (enable|start)|deb-systemd-helper enable' "$work/control/postinst"; then
    fail "postinst enables or starts a unit"
fi
grep -q 'rm -rf /var/lib/brevduva' "$work/control/postrm" || fail "purge leaves the state"

if [ "$install" = --install ] && [ "$failures" -eq 0 ]; then
    dpkg -i "$deb" >"$work/dpkg.log" 2>&1 || { cat "$work/dpkg.log" >&2; fail "dpkg -i failed"; }
    getent passwd brevduva >/dev/null || fail "dpkg -i made no user brevduva"
    [ "$(id -gn brevduva-web 2>/dev/null)" = brevduva ] ||
        fail "brevduva-web's group is not brevduva"
    [ "$(stat -c '%a %U %G' /var/lib/brevduva 2>/dev/null)" = "770 brevduva brevduva" ] ||
        fail "/var/lib/brevduva is not 0770 brevduva:brevduva"
    [ "$(stat -c '%a %U' /etc/brevduva/credentials 2>/dev/null)" = "700 root" ] ||
        fail "/etc/brevduva/credentials is not 0700 root"
    if find /etc/systemd/system -name 'brevduva*' 2>/dev/null | grep -q .; then
        fail "installing enabled a unit"
    fi
    /usr/bin/brevduva --version >/dev/null || fail "the installed binary does not run"
    dpkg --purge brevduva >"$work/purge.log" 2>&1 || { cat "$work/purge.log" >&2; fail "purge failed"; }
    if getent passwd brevduva >/dev/null || getent passwd brevduva-web >/dev/null; then
        fail "purge left the users"
    fi
    [ ! -e /var/lib/brevduva ] || fail "purge left /var/lib/brevduva"
    [ ! -e /etc/brevduva ] || fail "purge left /etc/brevduva"
    echo "installed and purged"
fi

if [ "$failures" -ne 0 ]; then
    echo "$failures failure(s)" >&2
    exit 1
fi
echo "the package is complete"
