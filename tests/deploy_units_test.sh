#!/usr/bin/env bash
# The systemd units in deploy/systemd/, checked without a running systemd:
#  - brevduva(1) is generated from the command tree and groff reads it without a warning;
#  - `systemd-analyze verify` accepts each (rendered with this build's binary, and the
#    generated brevduva(1) on MANPATH, since verify checks ExecStart= and Documentation=);
#  - `systemd-analyze security --offline=true` rates each at an exposure of 2.5 or lower;
#  - each has what running as a service needs (notify, watchdog, reload, stop time above the drain,
#    the dedicated user, the state and configuration folders, credentials, confinement);
#  - the web unit is given neither the SMTP password nor a DKIM key;
#  - each unit's ExecStart= options are accepted by this binary with the example configuration
#    adapted as docs/operations.md says: they are run with `config check` in place of the
#    command, %d pointing at a folder of test credentials.
# Usage: deploy_units_test.sh BREVDUVA_BINARY UNIT_FOLDER MAN_ROOT
set -euo pipefail

binary=$1
units=$2
man_root=$3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failures=0

fail() {
    echo "FAIL: $*" >&2
    failures=$((failures + 1))
}

has() {  # has UNIT_FILE LINE_REGEX WHAT
    grep -Eq -e "$2" "$1" || fail "$(basename "$1"): $3 (no line matching '$2')"
}

lacks() {
    if grep -Eq -e "$2" "$1"; then fail "$(basename "$1"): $3 (a line matches '$2')"; fi
}

# ExecStart= with continuation lines joined, one line.
exec_start() {
    sed -e ':a' -e '/\\$/N; s/\\\n//; ta' "$1" | sed -n 's/^ExecStart=//p'
}

manpage="$man_root/man1/brevduva.1"
if [ ! -f "$manpage" ]; then
    fail "the generated man page $manpage is missing"
elif ! grep -q '^\\fBbrevduva db migrate\\fR' "$manpage"; then
    fail "$manpage is not generated from the command tree (is 'brevduva manpage' wired in?)"
elif command -v groff >/dev/null &&
    { ! groff -man -ww -z "$manpage" 2>"$work/groff.log" || [ -s "$work/groff.log" ]; }; then
    fail "groff finds problems in $manpage: $(cat "$work/groff.log")"
fi

# verify looks up Documentation=man:brevduva(1) with man(1), when there is one.
man_check=--man=yes
command -v man >/dev/null || man_check=--man=no

for name in brevduva.service brevduva-worker.service brevduva-web.service; do
    source="$units/$name"
    unit="$work/$name"
    sed "s|/usr/bin/brevduva|$binary|g" "$source" >"$unit"

    if ! output=$(MANPATH="$man_root" systemd-analyze verify "$man_check" "$unit" 2>&1) || [ -n "$output" ]; then
        fail "$name: systemd-analyze verify: $output"
    fi

    report=$(systemd-analyze security --offline=true "$unit" 2>&1) || true
    exposure=$(sed -n 's/^→ Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p' <<<"$report")
    if [ -z "$exposure" ]; then
        fail "$name: no exposure in: $report"
    elif ! awk -v e="$exposure" 'BEGIN { exit !(e <= 2.5) }'; then
        fail "$name: exposure $exposure is above 2.5"
    fi
    echo "$name: exposure ${exposure:-?}"

    has "$unit" '^Type=notify$' "is not Type=notify"
    # shellcheck disable=SC2016 # $MAINPID is systemd's, not this shell's
    has "$unit" '^ExecReload=.*kill -HUP \$MAINPID$' "does not reload with SIGHUP"
    has "$unit" '^Restart=on-failure$' "is not restarted on failure"
    has "$unit" '^WatchdogSec=[1-9]' "has no watchdog"
    stop=$(sed -n 's/^TimeoutStopSec=\([0-9]*\)s$/\1/p' "$unit")
    if [ -z "$stop" ] || [ "$stop" -le 30 ]; then
        fail "$name: TimeoutStopSec must be in seconds and above the 30s drain_timeout"
    fi
    has "$unit" '^User=brevduva(-web)?$' "has no dedicated user"
    has "$unit" '^ConfigurationDirectory=brevduva$' "has no ConfigurationDirectory"
    has "$unit" '^LoadCredential=token-secret:' "gets no token secret"
    for setting in 'ProtectSystem=strict' 'ProtectHome=yes' 'PrivateTmp=yes' \
        'PrivateDevices=yes' 'NoNewPrivileges=yes' 'CapabilityBoundingSet=' \
        'RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6' 'SystemCallFilter=@system-service' \
        'MemoryDenyWriteExecute=yes'; do
        has "$unit" "^$setting\$" "lacks $setting"
    done
    lacks "$unit" '--allow-root' "runs as root"
done

web="$work/brevduva-web.service"
lacks "$web" '^LoadCredential=(relay|dkim)' "must not receive the SMTP password or DKIM keys"
lacks "$web" 'password_file|key_file' "must not name the SMTP password or DKIM keys"
has "$web" '^User=brevduva-web$' "must not share the worker's user"
has "$work/brevduva.service" '^StateDirectory=brevduva$' "has no StateDirectory"
has "$work/brevduva-worker.service" '^StateDirectory=brevduva$' "has no StateDirectory"
has "$work/brevduva-worker.service" '^LoadCredential=dkim-rsa.pem:' "gets no DKIM key"

# What each unit's credentials folder holds.
credentials="$work/credentials"
mkdir -p "$credentials"
for secret in token-secret suppression-secret admin-token relay-password; do
    head -c 48 /dev/urandom | base64 >"$credentials/$secret"
done
"$binary" dkim keygen --domain exempel.se --selector test --out "$credentials/dkim-rsa.pem" \
    >"$work/keygen.log" 2>&1 || { cat "$work/keygen.log" >&2; exit 1; }
# The example configuration as docs/operations.md says to adapt it for the units: every
# secret's line removed (the units name them) and the database in a folder of its own.
example="$units/../../config/brevduva.example.yaml"
sed -E -e '/^ *(password_file|rsa_key_file|token_secret_file|suppression_secret_file|admin_token_file|ed25519_selector|ed25519_key_file):/d' \
    -e "s|^( *sqlite_path:).*|\\1 $work/brevduva.db|" "$example" >"$work/config.yaml"

for name in brevduva.service brevduva-worker.service brevduva-web.service; do
    line=$(exec_start "$work/$name")
    line=${line//%d/$credentials}
    line=${line//\/etc\/brevduva\/config.yaml/$work/config.yaml}
    arguments=()
    eval "arguments=($line)"
    # The last word is the command (serve, worker, web); check the configuration it would see.
    unset 'arguments[${#arguments[@]}-1]'
    if ! shown=$("${arguments[@]}" config check 2>"$work/stderr"); then
        fail "$name: its ExecStart options are refused: $(cat "$work/stderr")"
        continue
    fi
    if [ "$name" = brevduva-web.service ]; then
        if grep -Eq 'relay-password|dkim-rsa' <<<"$shown"; then
            fail "$name: the web process's configuration names the SMTP password or DKIM key"
        fi
    elif ! grep -q 'dkim-rsa.pem' <<<"$shown"; then
        fail "$name: the DKIM key from the credentials is not in the configuration"
    fi
done

if [ "$failures" -ne 0 ]; then
    echo "$failures failure(s)" >&2
    exit 1
fi
echo "all units pass"
