#!/bin/sh
# Writes brevduva(1) with the binary's hidden `manpage` command: BrevduvaManpage.sh BINARY OUT.
# Until that command is wired into the command tree, it falls back to a page around `--help`
# (with a warning), so that a build never fails for the manual's sake.
set -eu
binary=$1
out=$2
if "$binary" manpage >"$out.tmp" 2>/dev/null; then
    mv "$out.tmp" "$out"
    exit 0
fi
echo "warning: 'brevduva manpage' is not available; brevduva.1 is only the --help text" >&2
{
    printf '.TH BREVDUVA 1 "" "brevduva" "User Commands"\n'
    printf '.SH NAME\nbrevduva \\- consent\\-gated marketing e\\-mail dispatcher\n'
    printf '.SH DESCRIPTION\n.nf\n'
    "$binary" --help | sed -e 's/\\/\\e/g' -e "s/^[.']/\\\\\\&&/"
    printf '.fi\n'
} >"$out.tmp"
mv "$out.tmp" "$out"
