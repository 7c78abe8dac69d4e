// The bulletin board in a real browser (Debian's chromium, headless, driven by playwright-core)
// against a real tabella-ledger serving a real election (tests/web/make_election.sh):
//   - a cast code typed in short lower-case form -> "verified ... included in checkpoint N";
//   - a challenged code -> the choices recomputed in the browser equal the voter's marks;
//   - a lying server (a proxy in this test changes one byte of an inclusion proof or of a
//     ciphertext, or serves a checkpoint signed by another key) -> the page says a check failed;
//   - without JavaScript the pages still read (server-rendered);
//   - every checkpoint listed (live and static);
//   - screenshots of every page in both languages, desktop and phone sizes.
//   - the static copy of `tabella-admin publish`, served as plain files: lookup and checks work.
// Usage: node board_browser.mjs LEDGER_URL WORK_DIR SCREENSHOT_DIR PUBLISHED_DIR
import { createHash, generateKeyPairSync, sign } from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { chromium } = require('playwright-core'); // found through NODE_PATH (the build's npm ci)

const [ledger, work, shots, published] = process.argv.slice(2);
mkdirSync(shots, { recursive: true });
const ballots = JSON.parse(readFileSync(path.join(work, 'ballots.json'), 'utf8'));
const cast = ballots.find((b) => b.type === 'cast');
const challenged = ballots.filter((b) => b.type === 'challenged');
let failures = 0;
function check(ok, what) {
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${what}`);
  if (!ok) failures++;
}

// ------------------------------------------------------------------ the lying proxy

let lie = 'none';
function liar(html) {
  const m = html.match(/<script type="application\/json" id="board-data">([\s\S]*?)<\/script>/);
  if (!m) throw new Error('the page has no board-data');
  const data = JSON.parse(m[1]);
  if (lie === 'proof') {
    // one byte of the first inclusion-proof hash
    const p = data.receipt.inclusion_proof;
    p[0] = (p[0][0] === '0' ? '1' : '0') + p[0].slice(1);
  } else if (lie === 'ciphertext') {
    // one byte inside the first selection's A (offset 172 of a challenged-ballot entry + 8)
    const e = Buffer.from(data.entry, 'base64');
    e[180] ^= 0x01;
    data.entry = e.toString('base64');
  } else if (lie === 'key') {
    // the same checkpoint text signed by another key under the ledger's name
    const note = data.receipt.checkpoint;
    const text = note.slice(0, note.lastIndexOf('\n\n') + 1);
    const name = text.split('\n')[0];
    const { publicKey, privateKey } = generateKeyPairSync('ed25519');
    const pub = Buffer.from(publicKey.export({ format: 'jwk' }).x, 'base64url');
    const id = createHash('sha256')
      .update(Buffer.concat([Buffer.from(name + '\n'), Buffer.from([1]), pub]))
      .digest()
      .subarray(0, 4);
    const sig = sign(null, Buffer.from(text), privateKey);
    data.receipt.checkpoint = `${text}\n\u2014 ${name} ${Buffer.concat([id, sig]).toString('base64')}\n`;
  }
  const json = JSON.stringify(data).replace(/</g, '\\u003c');
  return html.replace(m[0], `<script type="application/json" id="board-data">${json}</script>`);
}

const proxy = http.createServer(async (req, res) => {
  try {
    const upstream = await fetch(ledger + req.url, { redirect: 'manual' });
    const type = upstream.headers.get('content-type') || '';
    let body = Buffer.from(await upstream.arrayBuffer());
    if (lie !== 'none' && req.url.startsWith('/ballot/') && type.startsWith('text/html')) {
      body = Buffer.from(liar(body.toString('utf8')));
    }
    const headers = {};
    for (const h of ['content-type', 'content-security-policy', 'location', 'cache-control']) {
      if (upstream.headers.get(h)) headers[h] = upstream.headers.get(h);
    }
    res.writeHead(upstream.status, headers);
    res.end(body);
  } catch (e) {
    res.writeHead(502);
    res.end(String(e));
  }
});
await new Promise((r) => proxy.listen(0, '127.0.0.1', r));
const liarUrl = `http://127.0.0.1:${proxy.address().port}`;

// A plain file server for the static board (as any web host would serve it).
const types = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.css': 'text/css',
                '.jsonl': 'application/x-ndjson' };
const files = http.createServer((req, res) => {
  const rel = decodeURIComponent(new URL(req.url, 'http://x').pathname);
  let file = path.join(published, path.normalize(rel).replace(/^(\.\.[/\\])+/, ''));
  if (rel.endsWith('/')) file = path.join(file, 'index.html');
  try {
    const body = readFileSync(file);
    res.writeHead(200, { 'content-type': types[path.extname(file)] || 'application/octet-stream' });
    res.end(body);
  } catch {
    res.writeHead(404);
    res.end('not found');
  }
});
await new Promise((r) => files.listen(0, '127.0.0.1', r));
const staticUrl = `http://127.0.0.1:${files.address().port}`;

// ------------------------------------------------------------------------- browser

// playwright-core gives every launch a fresh --user-data-dir of its own.
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
         '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
const desktop = await browser.newContext({ viewport: { width: 1100, height: 900 } });
const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
const nojs = await browser.newContext({ javaScriptEnabled: false, viewport: { width: 1100, height: 900 } });

async function open(ctx, url) {
  const page = await ctx.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  const resp = await page.goto(url);
  page.status = resp.status();
  page.errors = errors;
  return page;
}
async function verdict(page) {
  await page.waitForFunction(() => document.body.dataset.check, null, { timeout: 30000 });
  return { state: await page.evaluate(() => document.body.dataset.check),
           text: await page.textContent('#verdict') };
}
async function shot(page, name) {
  await page.screenshot({ path: path.join(shots, name + '.png'), fullPage: true });
}

try {
  const shortLower = cast.short_code.toLowerCase();
  // 1. a cast code, typed in short lower-case form into the lookup form with the keyboard
  {
    const page = await open(desktop, `${ledger}/`);
    await page.focus('#code');
    await page.keyboard.type(shortLower);
    await page.keyboard.press('Enter');
    await page.waitForURL(/\/ballot\//);
    const v = await verdict(page);
    const size = await page.textContent('#receipt-size');
    check(v.state === 'verified' && /cast/.test(v.text) && v.text.includes(`checkpoint ${size}`),
          `cast code ${shortLower}: "${v.text}"`);
    check(page.errors.length === 0, `no script errors (${page.errors.join('; ')})`);
    await shot(page, 'ballot-cast-en');
  }
  // 2. every challenged code: the recomputed choices equal the voter's marks
  for (const [i, b] of challenged.entries()) {
    const code = b.short_code.replace(/-/g, '').toLowerCase();
    const page = await open(desktop, `${ledger}/ballot/${code}`);
    const v = await verdict(page);
    const shown = await page.$$eval('#recomputed-choices dd', (dds) =>
      Object.fromEntries(dds.map((d) => [d.dataset.contest, d.dataset.choices ? d.dataset.choices.split(' ') : []])));
    const want = Object.fromEntries(Object.entries(b.choices).map(([c, ids]) => [c, [...ids].sort()]));
    const got = Object.fromEntries(Object.entries(shown).map(([c, ids]) => [c, [...ids].sort()]));
    check(v.state === 'verified' && JSON.stringify(got, Object.keys(want).sort()) ===
          JSON.stringify(want, Object.keys(want).sort()),
          `challenged ${b.short_code}: recomputed ${JSON.stringify(got)} vs marked ${JSON.stringify(want)}`);
    if (i === 0) await shot(page, 'ballot-challenged-en');
  }
  // 3. the lying server
  // each lie must be caught by the check it attacks
  const lies = [['proof', cast.short_code, /ballot is in the signed record/],
                ['ciphertext', challenged[0].short_code, /ballot is in the signed record/],
                ['key', cast.short_code, /checkpoint is signed by the election/]];
  for (const [kind, code, which] of lies) {
    lie = kind;
    const page = await open(desktop, `${liarUrl}/ballot/${code}`);
    const v = await verdict(page);
    const failed = await page.$$eval('#checks li', (lis) =>
      lis.filter((li) => li.querySelector('strong.bad')).map((li) => li.textContent));
    check(v.state === 'failed' && /FAILED/.test(v.text) && failed.length === 1 && which.test(failed[0]),
          `lying server (${kind}): "${v.text}" [${failed.join('; ')}]`);
    await shot(page, `lie-${kind}-en`);
    lie = 'none';
  }
  // a spanish lie, for the words
  lie = 'key';
  {
    const page = await open(desktop, `${liarUrl}/ballot/${cast.short_code}?lang=es`);
    const v = await verdict(page);
    check(v.state === 'failed' && /FALLÓ/.test(v.text), `lying server in Spanish: "${v.text}"`);
    await shot(page, 'lie-key-es');
  }
  lie = 'none';
  // 4. not found, and a page without JavaScript
  {
    const page = await open(desktop, `${ledger}/ballot/AAAA-AAAA-AAAA-AAAA`);
    check(page.status === 404 && /not found/i.test(await page.textContent('h1')), 'unknown code: 404 "Ballot not found"');
    await shot(page, 'ballot-notfound-en');
    const plain = await open(nojs, `${ledger}/ballot/${shortLower}`);
    const text = await plain.textContent('main');
    check(/was cast/.test(text) && /JavaScript is off/.test(text), 'without JavaScript the ballot page reads');
    await shot(plain, 'ballot-cast-nojs-en');
  }
  // 5. the static board: lookup by the form (lower case, no dashes), checks on the files
  {
    const page = await open(desktop, `${staticUrl}/board/`);
    await page.waitForURL(/\/en\/index\.html$/);
    const b = challenged[0];
    await page.fill('#code', b.short_code.replace(/-/g, '').toLowerCase());
    await page.keyboard.press('Enter');
    await page.waitForURL(/\/ballot\/.*\.html$/);
    const v = await verdict(page);
    const shown = await page.$$eval('#recomputed-choices dd', (dds) =>
      Object.fromEntries(dds.map((d) => [d.dataset.contest, (d.dataset.choices || '').split(' ').filter(Boolean).sort()])));
    const want = Object.fromEntries(Object.entries(b.choices).map(([c, ids]) => [c, [...ids].sort()]));
    check(v.state === 'verified' && Object.keys(want).every((c) => JSON.stringify(shown[c]) === JSON.stringify(want[c])),
          `static board: challenged ${b.short_code} verified, recomputed ${JSON.stringify(shown)}`);
    await shot(page, 'static-ballot-challenged-en');
    const es = await open(desktop, `${staticUrl}/board/es/ballot/${cast.short_code}.html`);
    const ve = await verdict(es);
    check(ve.state === 'verified', `static board (es): cast ${cast.short_code}: "${ve.text}"`);
    const home = await open(desktop, `${staticUrl}/board/es/index.html`);
    const record = await home.getAttribute('a[download]', 'href');
    const got = await fetch(new URL(record, home.url()));
    check(got.status === 200, `static board links the record (${record}): HTTP ${got.status}`);
    await shot(home, 'static-election-es');
  }
  // 5b. every checkpoint listed, the latest among them, on the live board and its static copy
  {
    const note = await (await fetch(`${ledger}/checkpoint`)).text();
    const latest = Number(note.split('\n')[1]);
    for (const url of [`${ledger}/checkpoints`, `${staticUrl}/board/en/checkpoints-0.html`]) {
      const page = await open(desktop, url);
      const sizes = await page.$$eval('#checkpoints tbody tr td:first-child',
                                      (tds) => tds.map((td) => Number(td.textContent)));
      const ordered = sizes.every((v, i) => i === 0 || v > sizes[i - 1]);
      check(page.status === 200 && sizes.length > 0 && ordered && sizes.includes(latest),
            `checkpoints page ${url}: sizes ${sizes.slice(-3).join(',')}... include ${latest}, in order`);
      await page.close();
    }
  }
  // 6. screenshots of every page in both languages, desktop and phone
  for (const lang of ['en', 'es']) {
    for (const [name, p] of [['election', '/'], ['board', '/board'], ['results', '/results'],
                             ['checkpoints', '/checkpoints'],
                             ['voters', '/voters'], ['auditors', '/auditors'],
                             ['ballot-challenged', `/ballot/${challenged[0].short_code}`]]) {
      for (const [ctxName, ctx] of [['desktop', desktop], ['phone', phone]]) {
        const page = await open(ctx, `${ledger}${p}?lang=${lang}`);
        check(page.status === 200, `${name} ${lang} ${ctxName}: HTTP ${page.status}`);
        if (p.startsWith('/ballot/')) await verdict(page);
        const htmlLang = await page.getAttribute('html', 'lang');
        check(htmlLang === lang, `${name} ${lang}: <html lang="${htmlLang}">`);
        if (name === 'voters' || name === 'auditors') {
          const text = await page.textContent('main');
          const spanish = /vote de nuevo|Descargue el registro/.test(text);
          check(spanish === (lang === 'es'), `${name} ${lang}: the guide is written in ${lang}`);
        }
        // nothing wider than the screen on a phone
        if (ctxName === 'phone') {
          const wide = await page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth + 1);
          check(!wide, `${name} ${lang}: fits a phone-sized screen`);
        }
        await shot(page, `${name}-${lang}-${ctxName}`);
        await page.close();
      }
    }
  }
} finally {
  await browser.close();
  proxy.close();
  files.close();
}
console.log(failures ? `${failures} check(s) FAILED` : 'PASS');
process.exit(failures ? 1 : 0);
