#!/usr/bin/env node
// What a developer might script instead of Brevduva: template literals + nodemailer's pool.
//
// A peer for bench/bench_dispatch.cpp, not part of Brevduva. It reads the benchmark's contacts
// CSV (email,name,organisation,...), renders the newsletter of templates/examples/nyhetsbrev
// (subject, preheader, HTML and a text part, an unsubscribe link per recipient) with JavaScript
// template literals, and hands each message to nodemailer with `pool: true, maxConnections:
// 16`, keeping a bounded number of sendMail calls in flight. Like most such scripts it keeps no
// state and checks no consent: every row is mailed. With --dkim-key nodemailer signs each message
// rsa-sha256 (its `dkim` option), as a sender must for the large mailbox providers. Prints how
// many it sent; exits non-zero on any error.
//
//   NODE_PATH=DIR/node_modules node node_nodemailer.js --csv contacts.csv --port 2525
//       [--connections 16] [--limit N] [--dkim-key key.pem --dkim-selector S --dkim-domain D]
// (bench_dispatch installs package.json's nodemailer into DIR under the build folder.)
'use strict';

const crypto = require('crypto');
const fs = require('fs');
const nodemailer = require('nodemailer');

const SENDER_NAME = 'Exempelföretaget – Nyheter';
const FROM_ADDRESS = 'news@example.se';
const ENVELOPE_FROM = 'bounces@bounces.example.se';
const BASE_URL = 'https://mail.example.se';
const TOKEN_SECRET = 'bench-secret-bench-secret-bench-secret-0123456789';
const IN_FLIGHT = 64;

function parseArgs(argv) {
    const args = {
        host: '127.0.0.1',
        port: 0,
        csv: '',
        connections: 16,
        limit: 0,
        'dkim-key': '',
        'dkim-selector': 'bench',
        'dkim-domain': 'example.se',
    };
    for (let i = 2; i < argv.length; i += 2) {
        const key = argv[i].replace(/^--/, '');
        if (!(key in args) || i + 1 >= argv.length) {
            throw new Error('usage: node_nodemailer.js --csv FILE --port N [--host H] ' +
                            '[--connections 16] [--limit N] [--dkim-key FILE ' +
                            '--dkim-selector S --dkim-domain D]');
        }
        args[key] = typeof args[key] === 'number' ? Number(argv[i + 1]) : argv[i + 1];
    }
    if (!args.csv || !args.port) throw new Error('--csv and --port are required');
    return args;
}

// The benchmark's CSV has no quoted fields; a header line names the columns.
function readContacts(path, limit) {
    const lines = fs.readFileSync(path, 'utf8').split('\n').filter((line) => line.length > 0);
    const header = lines[0].split(',');
    const rows = lines.slice(1, limit ? limit + 1 : undefined);
    return rows.map((line) => {
        const cells = line.split(',');
        return Object.fromEntries(header.map((name, i) => [name, cells[i] ?? '']));
    });
}

function token(kind, email) {
    const digest = crypto.createHmac('sha256', TOKEN_SECRET).update(kind + ':' + email).digest();
    return digest.subarray(0, 24).toString('base64url');
}

const escapeHtml = (s) => s.replace(/[&<>"']/g, (c) => ({
    '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', '\'': '&#39;'}[c]));

// templates/examples/nyhetsbrev ported to template literals: the layout is a function of the
// title and content blocks, the footer a partial, sections on a value become conditionals.
const layout = (v, title, content) => `<!DOCTYPE html>
<html lang="sv">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title}</title>
<style>
  body { margin: 0; padding: 0; background: #f4f4f4; font-family: Arial, sans-serif; }
  .wrapper { max-width: 600px; margin: 0 auto; background: #ffffff; }
  .content { padding: 24px; color: #222222; font-size: 16px; line-height: 1.5; }
  h1 { font-size: 24px; } h2 { font-size: 19px; margin-top: 28px; }
  .button a { display: inline-block; padding: 10px 18px; background: #0b5cad; color: #ffffff; text-decoration: none; border-radius: 4px; }
  .footer { padding: 16px 24px; color: #666666; font-size: 12px; }
</style>
</head>
<body><div style="display:none;font-size:1px;line-height:1px;max-height:0;max-width:0;opacity:0;overflow:hidden;mso-hide:all">${escapeHtml(v.preheader)}${'&zwnj;&nbsp;'.repeat(16)}</div>
<table class="wrapper" role="presentation" width="100%" cellpadding="0" cellspacing="0">
  <tr>
    <td class="header" style="padding: 16px 24px;">
      <a href="https://www.example.se/"><img src="https://www.example.se/bilder/logga.png" alt="Exempelföretaget" width="160" height="40"></a>
    </td>
  </tr>
  <tr>
    <td class="content">
${content}
    </td>
  </tr>
  <tr>
    <td class="footer">
${footer(v)}
    </td>
  </tr>
</table>
</body>
</html>
`;

const footer = (v) => `<p>Du får det här brevet eftersom du är kontaktperson${v.organisation ? ` för ${escapeHtml(v.organisation)}` : ''} hos ${escapeHtml(SENDER_NAME)} och har sagt ja till våra nyhetsbrev.</p>
<p><a href="${v.preferencesUrl}">Ändra dina inställningar</a> · <a href="${v.unsubscribeUrl}">Avregistrera dig från nyhetsbrevet</a></p>
<p>Exempelföretaget AB, Storgatan 1, 411 38 Göteborg · Org.nr 556000-0000</p>`;

const body = (v) => layout(v, 'Höstens nyheter från Exempelföretaget', `
<h1>Höstens nyheter</h1>
<p>Hej${v.firstName ? ' ' + escapeHtml(v.firstName) : ''}!</p>
<p>Hösten är här, och vi har ägnat sommaren åt att göra tjänsterna snabbare och enklare att använda${v.organisation ? ` för er på ${escapeHtml(v.organisation)}` : ''}. Här är det viktigaste i korthet.</p>

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
`);

// Brevduva derives the text part from the HTML; a script writes it as a second template.
const text = (v) => `Exempelföretaget (https://www.example.se/)

# Höstens nyheter

Hej${v.firstName ? ' ' + v.firstName : ''}!

Hösten är här, och vi har ägnat sommaren åt att göra tjänsterna snabbare och
enklare att använda${v.organisation ? ` för er på ${v.organisation}` : ''}. Här är det viktigaste i korthet.

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

Du får det här brevet eftersom du är kontaktperson${v.organisation ? ` för ${v.organisation}` : ''} hos ${SENDER_NAME}
och har sagt ja till våra nyhetsbrev.

Ändra dina inställningar (${v.preferencesUrl}) · Avregistrera dig från
nyhetsbrevet (${v.unsubscribeUrl})

Exempelföretaget AB, Storgatan 1, 411 38 Göteborg · Org.nr 556000-0000
`;

function message(row) {
    const v = {
        firstName: row.name ? row.name.split(' ')[0] : '',
        organisation: row.organisation,
        unsubscribeUrl: `${BASE_URL}/u/${token('u', row.email)}`,
        preferencesUrl: `${BASE_URL}/p/${token('p', row.email)}`,
    };
    v.preheader = `Tre nyheter för ${v.organisation || 'ert företag'} – och en inbjudan till ` +
                  'frukostseminarium i Göteborg.';
    return {
        from: {name: SENDER_NAME, address: FROM_ADDRESS},
        to: {name: row.name, address: row.email},
        envelope: {from: ENVELOPE_FROM, to: [row.email]},
        subject: `${v.firstName ? `${v.firstName}, här är ` : 'Här är '}höstens nyheter från ` +
                 'Exempelföretaget',
        text: text(v),
        html: body(v),
        list: {unsubscribe: v.unsubscribeUrl},
        headers: {'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click'},
    };
}

async function main() {
    const args = parseArgs(process.argv);
    const contacts = readContacts(args.csv, args.limit);
    const transporter = nodemailer.createTransport({
        host: args.host,
        port: args.port,
        secure: false,
        ignoreTLS: true,
        pool: true,
        maxConnections: args.connections,
        maxMessages: Infinity,
        dkim: args['dkim-key'] ? {
            domainName: args['dkim-domain'],
            keySelector: args['dkim-selector'],
            privateKey: fs.readFileSync(args['dkim-key'], 'utf8'),
        } : undefined,
    });
    const started = process.hrtime.bigint();
    let next = 0;
    let sent = 0;
    // IN_FLIGHT lanes, each sending its next contact when the previous one is accepted.
    const lane = async () => {
        while (next < contacts.length) {
            const info = await transporter.sendMail(message(contacts[next++]));
            if (info.rejected.length > 0) throw new Error(`rejected: ${info.rejected}`);
            sent += 1;
        }
    };
    await Promise.all(Array.from({length: IN_FLIGHT}, lane));
    transporter.close();
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    console.log(`sent ${sent} messages in ${seconds.toFixed(2)} s ` +
                `(${(sent / seconds).toFixed(0)} msg/s) with a pool of ${args.connections}`);
}

main().catch((error) => {
    console.error(`node_nodemailer: ${error.message}`);
    process.exit(1);
});
