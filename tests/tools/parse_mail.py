#!/usr/bin/python3
"""Independent MIME oracle: parses each message file with Python's email package
(policy.default, the strict modern parser) and prints one JSON array, one object per file:

  defects     every defect the parser found, on the message, its parts and its headers
  headers     the field names, in order
  subject     the decoded Subject
  from_name, from_address, to_name, to_address, to_count
              (names as policy.default's header parser reads them)
  from_name_rfc2047, to_name_rfc2047
              the same names through email.header.decode_header, which ignores the
              whitespace between adjacent encoded-words as RFC 2047 §6.2 requires;
              policy.default keeps it as a space inside a display name
  parts       [{"content_type", "text"}] for every leaf part, decoded to Unicode

usage: parse_mail.py MESSAGE [MESSAGE ...]
"""
import email
import email.header
import email.policy
import email.utils
import json
import re
import sys


def mailbox(msg, name):
    header = msg[name]
    if header is None:
        return "", "", 0
    addresses = header.addresses
    first = addresses[0] if addresses else None
    return (first.display_name if first else "", first.addr_spec if first else "",
            len(addresses))


def rfc2047_name(msg, name):
    raws = [v for k, v in msg.raw_items() if k.lower() == name]
    if not raws:
        return ""
    phrase, _ = email.utils.getaddresses([re.sub(r"\r?\n", "", raws[0])])[0]
    return str(email.header.make_header(email.header.decode_header(phrase)))


def describe(path):
    with open(path, "rb") as f:
        msg = email.message_from_bytes(f.read(), policy=email.policy.default)
    defects = [f"message: {d!r}" for d in msg.defects]
    for name, value in msg.items():
        defects += [f"{name}: {d!r}" for d in getattr(value, "defects", ())]
    parts = []
    for part in msg.walk():
        defects += [f"part {part.get_content_type()}: {d!r}" for d in part.defects]
        if not part.is_multipart():
            parts.append({"content_type": part.get_content_type(), "text": part.get_content()})
    from_name, from_address, _ = mailbox(msg, "from")
    to_name, to_address, to_count = mailbox(msg, "to")
    return {
        "defects": defects,
        "headers": list(msg.keys()),
        "subject": str(msg["subject"] or ""),
        "from_name": from_name, "from_address": from_address,
        "to_name": to_name, "to_address": to_address, "to_count": to_count,
        "from_name_rfc2047": rfc2047_name(msg, "from"),
        "to_name_rfc2047": rfc2047_name(msg, "to"),
        "parts": parts,
    }


def main():
    if len(sys.argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    json.dump([describe(p) for p in sys.argv[1:]], sys.stdout, ensure_ascii=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
