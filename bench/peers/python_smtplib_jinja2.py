#!/usr/bin/python3
"""What a marketer might script instead of Brevduva: Jinja2 + the email package + smtplib.

A peer for bench/bench_dispatch.cpp, not part of Brevduva. It reads the benchmark's contacts
CSV (email,name,organisation,...), renders the newsletter of templates/examples/nyhetsbrev
(subject, preheader, HTML and a text part, an unsubscribe link per recipient) with Jinja2, builds
a multipart/alternative message with Python's email package and sends it over SMTP. Like most
such scripts it keeps no state and checks no consent: every row is mailed. The rows are split
over PROCESSES processes (multiprocessing), each with one smtplib connection reused for all its
messages. With --dkim-key each message is signed rsa-sha256 (relaxed/relaxed) with dkimpy, as
a sender must for the large mailbox providers. Prints how many it sent; exits non-zero on any
error.

Run with Debian's interpreter, python3-jinja2 and python3-dkim:
    /usr/bin/python3 python_smtplib_jinja2.py --csv contacts.csv --port 2525 [--processes 4]
        [--limit N] [--dkim-key key.pem --dkim-selector S --dkim-domain example.se]
"""

import argparse
import base64
import csv
import hashlib
import hmac
import itertools
import multiprocessing
import smtplib
import sys
import time
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP as SMTP_POLICY
from email.utils import formatdate, make_msgid

import jinja2

SENDER_NAME = "Exempelföretaget – Nyheter"
FROM_ADDRESS = "news@example.se"
ENVELOPE_FROM = "bounces@bounces.example.se"
BASE_URL = "https://mail.example.se"
TOKEN_SECRET = b"bench-secret-bench-secret-bench-secret-0123456789"

# templates/examples/nyhetsbrev ported to Jinja2: Mustache's {{<layout}} with {{$blocks}}
# becomes {% extends %} with {% block %}, sections on a value become {% if %}.
TEMPLATES = {
    "layout.html": """<!DOCTYPE html>
<html lang="sv">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{% block title %}Exempelföretaget{% endblock %}</title>
<style>
  body { margin: 0; padding: 0; background: #f4f4f4; font-family: Arial, sans-serif; }
  .wrapper { max-width: 600px; margin: 0 auto; background: #ffffff; }
  .content { padding: 24px; color: #222222; font-size: 16px; line-height: 1.5; }
  h1 { font-size: 24px; } h2 { font-size: 19px; margin-top: 28px; }
  .button a { display: inline-block; padding: 10px 18px; background: #0b5cad; color: #ffffff; text-decoration: none; border-radius: 4px; }
  .footer { padding: 16px 24px; color: #666666; font-size: 12px; }
</style>
</head>
<body><div style="display:none;font-size:1px;line-height:1px;max-height:0;max-width:0;opacity:0;overflow:hidden;mso-hide:all">{{ preheader }}{{ "&zwnj;&nbsp;" * 16 }}</div>
<table class="wrapper" role="presentation" width="100%" cellpadding="0" cellspacing="0">
  <tr>
    <td class="header" style="padding: 16px 24px;">
      <a href="https://www.example.se/"><img src="https://www.example.se/bilder/logga.png" alt="Exempelföretaget" width="160" height="40"></a>
    </td>
  </tr>
  <tr>
    <td class="content">
{% block content %}{% endblock %}
    </td>
  </tr>
  <tr>
    <td class="footer">
{% include "footer.html" %}
    </td>
  </tr>
</table>
</body>
</html>
""",
    "footer.html": """<p>Du får det här brevet eftersom du är kontaktperson{% if organisation.name %} för {{ organisation.name }}{% endif %} hos {{ sender.name }} och har sagt ja till våra nyhetsbrev.</p>
<p><a href="{{ preferences_url }}">Ändra dina inställningar</a> · <a href="{{ unsubscribe_url }}">Avregistrera dig från nyhetsbrevet</a></p>
<p>Exempelföretaget AB, Storgatan 1, 411 38 Göteborg · Org.nr 556000-0000</p>""",
    "body.html": """{% extends "layout.html" %}
{% block title %}Höstens nyheter från Exempelföretaget{% endblock %}
{% block content %}
<h1>Höstens nyheter</h1>
<p>Hej{% if contact.first_name %} {{ contact.first_name }}{% endif %}!</p>
<p>Hösten är här, och vi har ägnat sommaren åt att göra tjänsterna snabbare och enklare att använda{% if organisation.name %} för er på {{ organisation.name }}{% endif %}. Här är det viktigaste i korthet.</p>

<h2>1. Ny översiktspanel</h2>
<p>Den nya panelen samlar fakturor, ärenden och driftstatus på ett ställe. Ni hittar den under <em>Mitt konto</em> när ni loggar in.
<a href="https://www.example.se/nyheter/oversikt?utm_source=nyhetsbrev&amp;utm_medium=e-post">Läs mer om översiktspanelen</a></p>

<h2>2. Kortare svarstider i supporten</h2>
<p>Vi har fördubblat supportteamet i Malmö. Under september var den genomsnittliga svarstiden 14&nbsp;minuter.</p>
<ul>
  <li>Telefon vardagar 08–17: <a href="tel:+46101234567">010-123 45 67</a></li>
  <li>E-post dygnet runt: <a href="mailto:support@example.se">support@example.se</a></li>
  <li>Chatt i kundportalen: <a href="https://portal.example.se/">portal.example.se</a></li>
</ul>

<h2>3. Frukostseminarium: säkerhet i molnet</h2>
<p>Välkommen till ett frukostseminarium i Göteborg den 14 november kl. 08.00–09.30. Vi bjuder på frukost och går igenom årets viktigaste säkerhetsåtgärder.</p>
<p class="button"><a href="https://www.example.se/seminarium/goteborg">Anmäl dig här</a></p>

<p>Med vänliga hälsningar,<br>Åsa Öberg<br>Kundansvarig, Exempelföretaget</p>
{% endblock %}
""",
    # Brevduva derives the text part from the HTML; a script writes it as a second template.
    "body.txt": """Exempelföretaget (https://www.example.se/)

# Höstens nyheter

Hej{% if contact.first_name %} {{ contact.first_name }}{% endif %}!

Hösten är här, och vi har ägnat sommaren åt att göra tjänsterna snabbare och
enklare att använda{% if organisation.name %} för er på {{ organisation.name }}{% endif %}. Här är det viktigaste i korthet.

## 1. Ny översiktspanel

Den nya panelen samlar fakturor, ärenden och driftstatus på ett ställe. Ni
hittar den under Mitt konto när ni loggar in. Läs mer om översiktspanelen
(https://www.example.se/nyheter/oversikt?utm_source=nyhetsbrev&utm_medium=e-post)

## 2. Kortare svarstider i supporten

Vi har fördubblat supportteamet i Malmö. Under september var den
genomsnittliga svarstiden 14 minuter.

- Telefon vardagar 08–17: 010-123 45 67 (+46101234567)
- E-post dygnet runt: support@example.se
- Chatt i kundportalen: portal.example.se (https://portal.example.se/)

## 3. Frukostseminarium: säkerhet i molnet

Välkommen till ett frukostseminarium i Göteborg den 14 november kl.
08.00–09.30. Vi bjuder på frukost och går igenom årets viktigaste
säkerhetsåtgärder.

Anmäl dig här (https://www.example.se/seminarium/goteborg)

Med vänliga hälsningar,
Åsa Öberg
Kundansvarig, Exempelföretaget

Du får det här brevet eftersom du är kontaktperson{% if organisation.name %} för {{ organisation.name }}{% endif %} hos {{ sender.name }}
och har sagt ja till våra nyhetsbrev.

Ändra dina inställningar ({{ preferences_url }}) · Avregistrera dig från
nyhetsbrevet ({{ unsubscribe_url }})

Exempelföretaget AB, Storgatan 1, 411 38 Göteborg · Org.nr 556000-0000
""",
    "subject.txt": "{% if contact.first_name %}{{ contact.first_name }}, här är {% else %}Här är "
    "{% endif %}höstens nyheter från Exempelföretaget",
    "preheader.txt": "Tre nyheter för {% if organisation.name %}{{ organisation.name }}"
    "{% else %}ert företag{% endif %} – och en inbjudan till frukostseminarium i Göteborg.",
}


def token(kind, email):
    digest = hmac.new(TOKEN_SECRET, (kind + ":" + email).encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest[:24]).decode().rstrip("=")


def read_contacts(path, limit):
    with open(path, newline="", encoding="utf-8") as f:
        return list(itertools.islice(csv.DictReader(f), limit or None))


class Newsletter:
    """The templates, compiled once per process."""

    def __init__(self):
        html_env = jinja2.Environment(loader=jinja2.DictLoader(TEMPLATES), autoescape=True)
        text_env = jinja2.Environment(loader=jinja2.DictLoader(TEMPLATES), autoescape=False)
        self.html = html_env.get_template("body.html")
        self.text = text_env.get_template("body.txt")
        self.subject = text_env.get_template("subject.txt")
        self.preheader = text_env.get_template("preheader.txt")

    def message(self, row):
        name = row["name"]
        context = {
            "contact": {"first_name": name.split(" ")[0] if name else "", "name": name,
                        "email": row["email"]},
            "organisation": {"name": row.get("organisation", "")},
            "sender": {"name": SENDER_NAME},
            "unsubscribe_url": BASE_URL + "/u/" + token("u", row["email"]),
            "preferences_url": BASE_URL + "/p/" + token("p", row["email"]),
        }
        context["preheader"] = self.preheader.render(context)
        msg = EmailMessage()
        msg["From"] = Address(SENDER_NAME, addr_spec=FROM_ADDRESS)
        msg["To"] = Address(name, addr_spec=row["email"])
        msg["Subject"] = self.subject.render(context)
        msg["Date"] = formatdate(localtime=False)
        msg["Message-ID"] = make_msgid(domain="example.se")
        msg["List-Unsubscribe"] = "<" + context["unsubscribe_url"] + ">"
        msg["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
        msg.set_content(self.text.render(context), cte="quoted-printable")
        msg.add_alternative(self.html.render(context), subtype="html", cte="quoted-printable")
        return msg


def send_share(args, share, count):
    """One process: every PROCESSES-th row from `share`, over one reused connection."""
    rows = read_contacts(args.csv, args.limit)[share::args.processes]
    newsletter = Newsletter()
    key = None
    if args.dkim_key:
        import dkim  # python3-dkim (dkimpy)
        with open(args.dkim_key, "rb") as f:
            key = f.read()
    sent = 0
    with smtplib.SMTP(args.host, args.port) as smtp:
        for row in rows:
            message = newsletter.message(row)
            if key is None:
                refused = smtp.send_message(message, from_addr=ENVELOPE_FROM,
                                            to_addrs=[row["email"]])
            else:
                wire = message.as_bytes(policy=SMTP_POLICY)
                signature = dkim.sign(wire, args.dkim_selector.encode(),
                                      args.dkim_domain.encode(), key,
                                      canonicalize=(b"relaxed", b"relaxed"))
                refused = smtp.sendmail(ENVELOPE_FROM, [row["email"]], signature + wire)
            if refused:
                raise RuntimeError("refused: %r" % refused)
            sent += 1
    with count.get_lock():
        count.value += sent


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--csv", required=True)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--processes", type=int, default=4)
    parser.add_argument("--limit", type=int, default=0, help="only the first N rows")
    parser.add_argument("--dkim-key", default="", help="sign with this RSA key (PEM)")
    parser.add_argument("--dkim-selector", default="bench")
    parser.add_argument("--dkim-domain", default="example.se")
    args = parser.parse_args()

    count = multiprocessing.Value("q", 0)
    started = time.monotonic()
    workers = [multiprocessing.Process(target=send_share, args=(args, share, count))
               for share in range(args.processes)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    seconds = time.monotonic() - started
    failed = sum(1 for worker in workers if worker.exitcode != 0)
    print("sent %d messages in %.2f s (%.0f msg/s) with %d processes"
          % (count.value, seconds, count.value / seconds, args.processes))
    if failed:
        print("%d of %d processes failed" % (failed, args.processes), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
