#!/usr/bin/python3
"""A real SMTP server for Brevduva's transport tests, on Debian's python3-aiosmtpd.

Listens on 127.0.0.1 at a free port chosen by the kernel and prints that port on one line of
stdout when it is ready. Every accepted message is stored in --folder as N.eml (the bytes the
server received, after removing the dot-stuffing) with N.json beside it (envelope sender and
recipients); both are written under a temporary name and renamed, so a reader never sees half
a file. Optional STARTTLS or implicit TLS with a given certificate, AUTH PLAIN/LOGIN with one
user, and PIPELINING advertised on request. Stops when stdin closes or on SIGTERM, so it never
outlives the test that started it.

Instead of (or beside) the folder: --maildir stores each message in a Maildir (the demo's
mailbox, readable with `mutt -f`), and --log appends one JSON line per accepted message
(recipients, envelope sender, Message-ID) for tests that compare who got what. For fault
injection, --defer-percent answers that share of transactions with 451 at the end of DATA and
--drop-percent answers 421 and closes the connection (seeded by --seed, so a run repeats).

Run with /usr/bin/python3 (Debian's, which has aiosmtpd), not a python3 from elsewhere.
"""

import argparse
import asyncio
import itertools
import email.parser
import json
import mailbox
import os
import random
import signal
import ssl
import sys

from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword


class StoringHandler:
    def __init__(self, args):
        self.folder = args.folder
        self.pipelining = args.pipelining
        self.counter = itertools.count(1)
        self.maildir = mailbox.Maildir(args.maildir, create=True) if args.maildir else None
        self.log = open(args.log, "a", buffering=1) if args.log else None
        self.defer = args.defer_percent / 100.0
        self.drop = args.drop_percent / 100.0
        self.random = random.Random(args.seed)

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        session.host_name = hostname
        if self.pipelining:
            responses.insert(1, "250-PIPELINING")
        return responses

    async def handle_DATA(self, server, session, envelope):
        roll = self.random.random()
        if roll < self.drop:
            # After the reply is written: the client hears 421, then the connection goes.
            asyncio.get_running_loop().call_soon(server.transport.close)
            return "421 4.3.2 closing the connection, try again later"
        if roll < self.drop + self.defer:
            return "451 4.3.0 temporary failure, try again later"
        number = next(self.counter)
        content = envelope.original_content or envelope.content
        if self.folder:
            base = os.path.join(self.folder, str(number))
            meta = {"mail_from": envelope.mail_from, "rcpt_tos": envelope.rcpt_tos,
                    "mail_options": envelope.mail_options}
            write_atomically(base + ".json", json.dumps(meta).encode())
            write_atomically(base + ".eml", content)
        if self.maildir is not None:
            self.maildir.add(content)
        if self.log is not None:
            headers = email.parser.BytesHeaderParser().parsebytes(content)
            self.log.write(json.dumps({"rcpt_tos": envelope.rcpt_tos,
                                       "mail_from": envelope.mail_from,
                                       "message_id": headers.get("Message-ID", "")}) + "\n")
        return "250 2.0.0 stored as %d" % number


def write_atomically(path, data):
    temporary = path + ".tmp"
    with open(temporary, "wb") as f:
        f.write(data)
    os.rename(temporary, path)


def make_authenticator(user, password):
    def authenticate(server, session, envelope, mechanism, auth_data):
        ok = (isinstance(auth_data, LoginPassword) and auth_data.login == user.encode()
              and auth_data.password == password.encode())
        # handled=False: aiosmtpd itself answers a failure with 535 5.7.8.
        return AuthResult(success=ok, handled=False)
    return authenticate


def tls_context(cert, key):
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    return context


async def main(args):
    loop = asyncio.get_running_loop()
    handler = StoringHandler(args)
    context = tls_context(args.cert, args.key) if args.cert else None
    options = {"enable_SMTPUTF8": True, "hostname": "aiosmtpd.test"}
    if args.auth_user:
        options.update(authenticator=make_authenticator(args.auth_user, args.auth_password),
                       auth_required=True, auth_require_tls=context is not None,
                       auth_exclude_mechanism=args.auth_exclude or [])
    if context and not args.implicit_tls:
        options.update(tls_context=context, require_starttls=True)

    def factory():
        return SMTP(handler, loop=loop, **options)

    server = await loop.create_server(factory, host=args.host, port=args.port,
                                      ssl=context if args.implicit_tls else None)
    print(server.sockets[0].getsockname()[1], flush=True)

    stop = asyncio.Event()
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    if not args.ignore_stdin:
        loop.add_reader(sys.stdin.fileno(), lambda: stop.set() if not os.read(0, 4096) else None)
    await stop.wait()
    server.close()
    await server.wait_closed()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folder")
    parser.add_argument("--maildir")
    parser.add_argument("--log")
    parser.add_argument("--defer-percent", type=float, default=0)
    parser.add_argument("--drop-percent", type=float, default=0)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--cert")
    parser.add_argument("--key")
    parser.add_argument("--implicit-tls", action="store_true")
    parser.add_argument("--auth-user")
    parser.add_argument("--auth-password", default="")
    parser.add_argument("--auth-exclude", action="append")
    parser.add_argument("--pipelining", action="store_true")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--ignore-stdin", action="store_true",
                        help="run in the background until SIGTERM (the demo)")
    parser.add_argument("--port", type=int, default=0)
    asyncio.run(main(parser.parse_args()))
