#!/usr/bin/python3
"""Independent DKIM oracle: verifies every DKIM-Signature of a message with dkimpy
(Debian's python3-dkim), the public keys injected instead of looked up in DNS.

usage: dkim_verify.py MESSAGE RECORD
       dkim_verify.py MESSAGE SELECTOR=RECORD [SELECTOR=RECORD ...]

RECORD is the TXT record text ("v=DKIM1; k=rsa; p=..."). A bare RECORD answers for any
selector. MESSAGE may be a folder: every file in it is verified, and each line of the output
is prefixed with the file's name. Exit 0 only if every message has at least one signature and
all of them verify; 1 if any fails; 2 on bad usage; 3 when dkimpy is missing.
"""
import os
import re
import sys

try:
    import dkim
except ImportError:
    print("dkim_verify.py: python3-dkim is not installed (apt-get install python3-dkim)",
          file=sys.stderr)
    sys.exit(3)


def parse_records(args):
    records = {}
    for arg in args:
        if arg.startswith("v="):
            records[None] = arg.encode()
        else:
            selector, _, record = arg.partition("=")
            records[selector.lower()] = record.encode()
    return records


def verify(message, dnsfunc, prefix):
    header = message.split(b"\r\n\r\n", 1)[0]
    count = len(re.findall(rb"(?im)^dkim-signature\s*:", header))
    if count == 0:
        print(f"{prefix}no DKIM-Signature field")
        return False
    verifier = dkim.DKIM(message, minkey=1024)
    ok = True
    for idx in range(count):
        try:
            valid = bool(verifier.verify(idx=idx, dnsfunc=dnsfunc))
            detail = ""
        except dkim.DKIMException as e:
            valid, detail = False, f" ({e})"
        print(f"{prefix}signature {idx}: {'pass' if valid else 'FAIL'}{detail}")
        ok = ok and valid
    return ok


def main():
    if len(sys.argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    records = parse_records(sys.argv[2:])

    def dnsfunc(name, timeout=5):
        if isinstance(name, bytes):
            name = name.decode()
        selector = name.split("._domainkey.")[0].lower()
        return records.get(selector, records.get(None))

    target = sys.argv[1]
    if os.path.isdir(target):
        files = [(os.path.join(target, n), n + ": ") for n in sorted(os.listdir(target))]
    else:
        files = [(target, "")]
    ok = True
    for path, prefix in files:
        with open(path, "rb") as f:
            ok = verify(f.read(), dnsfunc, prefix) and ok
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
