// Tabella bulletin board: the checks a voter's browser makes without trusting the server
// (docs/voters.md, docs/spec.md §6 and §9.5). The page reads without this script; with it, the
// ballot page re-checks what the server said:
//   1. the election entry (index 0) and the ballot entry are in the checkpoint (RFC 6962
//      inclusion proofs, SHA-256 by WebCrypto);
//   2. the checkpoint is signed by the ledger key named in the election entry, and (witnessed
//      elections) cosigned by at least witness_quorum of the witnesses it lists (Ed25519);
//   3. the ballot entry has the tracking code the voter typed;
//   4. challenged ballot: each selection's mark is recomputed from its ciphertext and nonce,
//      A = r*G and B = m*G + r*K on P-256, with K from the election-key entry (also proven in
//      the checkpoint), and the choices are shown from these recomputed marks.
// Curve arithmetic and Ed25519 come from @noble/curves (audited; bundled by the build).
import { ed25519 } from '@noble/curves/ed25519';
import { p256 } from '@noble/curves/p256';

const enc = new TextEncoder();
const dec = new TextDecoder('utf-8', { fatal: true });

const WORDS = {
  en: {
    running: 'Checking…',
    election: 'The election description this page uses is the one in the record',
    checkpoint: 'The record’s checkpoint is signed by the election’s ledger key',
    witnesses: 'Independent witnesses cosigned the checkpoint',
    included: 'Your ballot is in the signed record (checkpoint of size {n})',
    code: 'The ballot in the record has the tracking code you looked up',
    key: 'The election key used to seal ballots is the one in the record',
    opening: 'The choices shown were recomputed in your browser from the sealed ballot',
    ok_cast: 'Verified: your ballot was cast and is included in checkpoint {n}.',
    ok_challenged: 'Verified: this challenged ballot is in checkpoint {n}, and the choices below were recomputed in your browser from it.',
    failed: 'A check FAILED. Do not trust what this page says about your ballot. Write down your tracking code and tell the election office.',
    failed_item: 'FAILED',
    passed_item: 'passed',
    recomputed: 'Choices recomputed in your browser',
    none: '(no choice marked)',
    unsupported: 'Your browser cannot run the checks (it lacks WebCrypto).',
  },
  es: {
    running: 'Comprobando…',
    election: 'La descripción de la elección que usa esta página es la del registro',
    checkpoint: 'El punto de control del registro está firmado con la clave del registro de la elección',
    witnesses: 'Testigos independientes cofirmaron el punto de control',
    included: 'Su papeleta está en el registro firmado (punto de control de tamaño {n})',
    code: 'La papeleta del registro tiene el código que usted buscó',
    key: 'La clave con la que se sellan las papeletas es la del registro',
    opening: 'Las opciones mostradas se recalcularon en su navegador a partir de la papeleta sellada',
    ok_cast: 'Verificado: su papeleta fue emitida y está incluida en el punto de control {n}.',
    ok_challenged: 'Verificado: esta papeleta impugnada está en el punto de control {n} y las opciones de abajo se recalcularon en su navegador.',
    failed: 'Una comprobación FALLÓ. No confíe en lo que esta página dice de su papeleta. Anote su código y avise a la oficina electoral.',
    failed_item: 'FALLÓ',
    passed_item: 'correcto',
    recomputed: 'Opciones recalculadas en su navegador',
    none: '(ninguna opción marcada)',
    unsupported: 'Su navegador no puede hacer las comprobaciones (no tiene WebCrypto).',
  },
};

class CheckError extends Error {}
function must(condition, why) {
  if (!condition) throw new CheckError(why);
}

// ------------------------------------------------------------------------------------ bytes

function b64(text) {
  const bin = atob(text);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}
function hex(bytes) {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}
function unhex(text) {
  must(/^([0-9a-f]{2})*$/.test(text), 'bad hex');
  const out = new Uint8Array(text.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(text.substr(2 * i, 2), 16);
  return out;
}
function concat(...parts) {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
function equal(a, b) {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
function u32be(v) {
  return new Uint8Array([(v >>> 24) & 255, (v >>> 16) & 255, (v >>> 8) & 255, v & 255]);
}
async function sha256(bytes) {
  return new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
}

// The canonical encoding of docs/spec.md §3.3, read strictly.
class Reader {
  constructor(bytes) {
    this.b = bytes;
    this.at = 0;
  }
  take(n) {
    must(this.at + n <= this.b.length, 'entry ends early');
    const out = this.b.subarray(this.at, this.at + n);
    this.at += n;
    return out;
  }
  u8() {
    return this.take(1)[0];
  }
  u32() {
    const x = this.take(4);
    return ((x[0] << 24) >>> 0) + (x[1] << 16) + (x[2] << 8) + x[3];
  }
  u64() {
    const x = this.take(8);
    let v = 0n;
    for (const b of x) v = (v << 8n) | BigInt(b);
    return v;
  }
  field() {
    return this.take(this.u32());
  }
  end() {
    must(this.at === this.b.length, 'trailing bytes');
  }
}

// docs/spec.md §10.1
function decodeEntry(bytes) {
  const r = new Reader(bytes);
  must(dec.decode(r.field()) === 'tabella-entry/1', 'not a Tabella entry');
  const e = {
    type: dec.decode(r.field()),
    q: r.field(),
    author: r.field(),
    body: r.field(),
    signature: r.field(),
  };
  r.end();
  return e;
}

// docs/spec.md §3.1: H(tag; f1, ..., fk)
async function taggedHash(tag, ...fields) {
  const parts = [u32be(tag.length), enc.encode(tag)];
  for (const f of fields) parts.push(u32be(f.length), f);
  return sha256(concat(...parts));
}

// -------------------------------------------------------------------------------- Merkle tree

// RFC 6962 / RFC 9162 §2.1.3.2: the root from a leaf hash, its index, the tree size and PATH.
async function rootFromInclusion(leaf, index, size, proof) {
  must(index < size, 'index outside the tree');
  let fn = index;
  let sn = size - 1n;
  let r = leaf;
  for (const p of proof) {
    must(sn !== 0n, 'inclusion proof too long');
    if ((fn & 1n) === 1n || fn === sn) {
      r = await sha256(concat(new Uint8Array([1]), p, r));
      if ((fn & 1n) === 0n) {
        while ((fn & 1n) === 0n && fn !== 0n) {
          fn >>= 1n;
          sn >>= 1n;
        }
      }
    } else {
      r = await sha256(concat(new Uint8Array([1]), r, p));
    }
    fn >>= 1n;
    sn >>= 1n;
  }
  must(sn === 0n, 'inclusion proof too short');
  return r;
}

async function checkIncluded(entryBytes, index, proofHex, checkpoint) {
  const leaf = await sha256(concat(new Uint8Array([0]), entryBytes));
  const root = await rootFromInclusion(leaf, BigInt(index), checkpoint.size, proofHex.map(unhex));
  must(equal(root, checkpoint.root), 'the inclusion proof does not lead to the checkpoint root');
}

// ----------------------------------------------------------------------- notes and checkpoints

// docs/spec.md §6.3.1: text and signature lines (split at the last blank line).
function parseNote(note) {
  const cut = note.lastIndexOf('\n\n');
  must(cut >= 0, 'checkpoint is not a signed note');
  const text = note.slice(0, cut + 1);
  const sigs = [];
  for (const line of note.slice(cut + 2).split('\n')) {
    if (line === '') continue;
    must(line.startsWith('\u2014 '), 'bad signature line');
    const [name, sig] = line.slice(2).split(' ');
    const raw = b64(sig);
    must(raw.length >= 5, 'short signature');
    sigs.push({ name, keyId: hex(raw.subarray(0, 4)), payload: raw.subarray(4) });
  }
  const lines = text.split('\n');
  must(lines.length >= 4 && /^[0-9]+$/.test(lines[1]), 'bad checkpoint text');
  const root = b64(lines[2]);
  must(root.length === 32, 'bad checkpoint root');
  return { text, origin: lines[0], size: BigInt(lines[1]), root, sigs };
}

// "name+hex8+base64(type || key)"; the key id must be the one the name and key give.
async function parseVerifierKey(text, type) {
  // name "+" hex8 "+" base64: the name has no '+', the base64 may.
  const i = text.indexOf('+');
  const j = text.indexOf('+', i + 1);
  must(i > 0 && j === i + 9, 'bad verifier key');
  const parts = [text.slice(0, i), text.slice(i + 1, j), text.slice(j + 1)];
  const raw = b64(parts[2]);
  must(raw.length === 33 && raw[0] === type, 'verifier key of the wrong type');
  const id = await sha256(concat(enc.encode(parts[0]), new Uint8Array([0x0a]), raw));
  must(hex(id.subarray(0, 4)) === parts[1], 'verifier key id does not match');
  return { name: parts[0], keyId: parts[1], key: raw.subarray(1) };
}

function verifyLedgerSignature(cp, vk) {
  const mine = cp.sigs.filter((s) => s.name === vk.name && s.keyId === vk.keyId);
  must(mine.length > 0, 'the checkpoint is not signed by the ledger key of the election');
  for (const s of mine) {
    must(s.payload.length === 64, 'bad signature length');
    must(ed25519.verify(s.payload, enc.encode(cp.text), vk.key), 'the ledger signature does not verify');
  }
}

// docs/spec.md §6.4: the distinct listed witnesses whose cosignature/v1 verifies.
async function countCosignatures(cp, witnesses) {
  let count = 0;
  for (const w of witnesses) {
    let vk;
    try {
      vk = await parseVerifierKey(w.key, 0x04);
    } catch {
      continue;
    }
    if (vk.name !== w.name) continue;
    const line = cp.sigs.find((s) => s.name === vk.name && s.keyId === vk.keyId);
    if (!line || line.payload.length !== 72) continue;
    let t = 0n;
    for (const b of line.payload.subarray(0, 8)) t = (t << 8n) | BigInt(b);
    const message = concat(enc.encode(`cosignature/v1\ntime ${t}\n`), enc.encode(cp.text));
    if (ed25519.verify(line.payload.subarray(8), message, vk.key)) count++;
  }
  return count;
}

// ------------------------------------------------------------------------ challenged ballots

// docs/spec.md §9.3.3 and §9.5: the ballot (its bytes, for the code) and its opening.
function decodeChallenged(body) {
  const r = new Reader(body);
  const start = r.at;
  r.u64(); // sequence
  r.u64(); // time
  r.take(32); // previous code
  const contests = [];
  const nc = r.u32();
  for (let c = 0; c < nc; c++) {
    const ns = r.u32();
    const sels = [];
    for (let j = 0; j < ns; j++) {
      const a = r.take(33);
      const b = r.take(33);
      r.field(); // 0/1 proof (checked by tabella-verify)
      sels.push({ a, b });
    }
    r.field(); // limit proof
    contests.push(sels);
  }
  const ballotBytes = body.subarray(start, r.at);
  must(r.u32() === nc, 'opening has the wrong number of contests');
  for (let c = 0; c < nc; c++) {
    must(r.u32() === contests[c].length, 'opening has the wrong number of choices');
    for (const sel of contests[c]) {
      sel.m = r.u8();
      sel.r = r.take(32);
    }
  }
  r.end();
  return { ballotBytes, contests };
}

function bigint(bytes) {
  return BigInt('0x' + (hex(bytes) || '0'));
}

// A = r*G, B = m*G + r*K, with m recomputed as the one of 0 and 1 that fits.
function recomputeMarks(opened, electionKey) {
  const P = p256.ProjectivePoint;
  const K = P.fromHex(electionKey);
  return opened.contests.map((sels, c) =>
    sels.map((sel, j) => {
      const r = bigint(sel.r);
      const A = P.fromHex(sel.a);
      const B = P.fromHex(sel.b);
      must(P.BASE.multiply(r).equals(A), `contest ${c + 1}, choice ${j + 1}: A is not r·G`);
      const mG = B.subtract(K.multiply(r));
      let m;
      if (mG.equals(P.ZERO)) m = 0;
      else if (mG.equals(P.BASE)) m = 1;
      else throw new CheckError(`contest ${c + 1}, choice ${j + 1}: B is not m·G + r·K for m = 0 or 1`);
      must(m === sel.m, `contest ${c + 1}, choice ${j + 1}: the published mark differs from the sealed one`);
      return m;
    }),
  );
}

// ------------------------------------------------------------------------------------ page

function addItem(list, text, ok, why) {
  const li = document.createElement('li');
  const mark = document.createElement('strong');
  mark.className = ok ? 'ok' : 'bad';
  li.append(mark, ' ' + text);
  if (why) li.append(` (${why})`);
  list.append(li);
  return mark;
}

async function checkBallot(data, w) {
  const list = document.getElementById('checks');
  const verdict = document.getElementById('verdict');
  list.textContent = '';
  verdict.textContent = w.running;
  const step = async (label, fn) => {
    try {
      const out = await fn();
      addItem(list, label, true).textContent = '✓ ' + w.passed_item + ':';
      return out;
    } catch (e) {
      const why = e instanceof CheckError ? e.message : String(e && e.message ? e.message : e);
      addItem(list, label, false, why).textContent = '✗ ' + w.failed_item + ':';
      throw e;
    }
  };
  const cpNote = data.receipt.checkpoint;
  try {
    if (!globalThis.crypto || !crypto.subtle) throw new CheckError(w.unsupported);
    const cp = parseNote(cpNote);
    // The election entry (index 0) pins the ledger key and the witnesses.
    const electionBytes = b64(data.election.entry);
    const election = await step(w.election, async () => {
      await checkIncluded(electionBytes, 0, data.election.proof, cp);
      const e = decodeEntry(electionBytes);
      must(e.type === 'election', 'entry 0 is not the election');
      const r = new Reader(e.body);
      const manifest = JSON.parse(dec.decode(r.field()));
      const ledgerKey = dec.decode(r.field());
      r.end();
      must(manifest.origin === cp.origin, 'the checkpoint is for another log');
      return { manifest, ledgerKey };
    });
    await step(w.checkpoint, async () => {
      verifyLedgerSignature(cp, await parseVerifierKey(election.ledgerKey, 0x01));
    });
    const wit = election.manifest.witnesses;
    if (wit && wit.members && wit.members.length) {
      await step(w.witnesses, async () => {
        const n = await countCosignatures(cp, wit.members);
        must(n >= wit.quorum, `${n} of ${wit.members.length} valid cosignatures, ${wit.quorum} needed`);
      });
    }
    const entryBytes = b64(data.entry);
    await step(w.included.replace('{n}', String(cp.size)), async () => {
      must(BigInt(data.receipt.tree_size) === cp.size, 'the proof is for another size');
      await checkIncluded(entryBytes, data.index, data.receipt.inclusion_proof, cp);
    });
    const entry = decodeEntry(entryBytes);
    let opened = null;
    await step(w.code, async () => {
      must(entry.type === data.type, 'the entry is of another type');
      let ballotBytes;
      if (entry.type === 'challenged-ballot') {
        opened = decodeChallenged(entry.body);
        ballotBytes = opened.ballotBytes;
      } else {
        must(entry.type === 'cast-ballot' && entry.body.length >= 32, 'not a ballot');
        ballotBytes = entry.body.subarray(0, entry.body.length - 32);
      }
      const code = await taggedHash('tabella/v1/ballot-code', entry.q, entry.author, ballotBytes);
      must(hex(code) === data.code, 'the entry’s code differs');
    });
    if (opened) {
      const keyBytes = b64(data.election_key.entry);
      const K = await step(w.key, async () => {
        await checkIncluded(keyBytes, data.election_key.index, data.election_key.proof, cp);
        const e = decodeEntry(keyBytes);
        must(e.type === 'election-key', 'not the election-key entry');
        must(equal(e.q, entry.q), 'the key belongs to another election');
        return e.body.subarray(0, 33);
      });
      const marks = await step(w.opening, async () => recomputeMarks(opened, K));
      showRecomputed(data, marks, w);
      verdict.textContent = w.ok_challenged.replace('{n}', String(cp.size));
    } else {
      verdict.textContent = w.ok_cast.replace('{n}', String(cp.size));
    }
    verdict.className = 'ok';
    document.body.dataset.check = 'verified';
  } catch (e) {
    verdict.textContent = w.failed;
    verdict.className = 'bad';
    verdict.setAttribute('role', 'alert');
    document.body.dataset.check = 'failed';
    if (!(e instanceof CheckError)) console.error(e);
  }
}

function showRecomputed(data, marks, w) {
  const section = document.getElementById('checks').parentElement;
  const h = document.createElement('h3');
  h.textContent = w.recomputed;
  const dl = document.createElement('dl');
  dl.className = 'choices';
  dl.id = 'recomputed-choices';
  data.contests.forEach((contest, c) => {
    const dt = document.createElement('dt');
    dt.textContent = contest.title;
    const dd = document.createElement('dd');
    dd.dataset.contest = contest.id;
    const chosen = contest.choices.filter((_, j) => marks[c] && marks[c][j] === 1);
    dd.dataset.choices = chosen.map((ch) => ch.id).join(' ');
    dd.textContent = chosen.length ? chosen.map((ch) => ch.label).join(', ') : w.none;
    dl.append(dt, dd);
  });
  section.append(h, dl);
}

// The static copy of the board (tabella-admin publish): the lookup form goes to the ballot's
// page file, named by the code in its printed form (ABCD-EFGH-IJKL-MNOP).
const form = document.querySelector('form[data-static]');
if (form) {
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const raw = form.querySelector('input[name=code]').value.toUpperCase().replace(/[^A-Z0-9]/g, '');
    const code = raw.length === 16 ? raw.match(/.{4}/g).join('-') : raw;
    window.location.href = form.getAttribute('action') + encodeURIComponent(code) + '.html';
  });
}

const node = document.getElementById('board-data');
if (node) {
  const data = JSON.parse(node.textContent);
  const nojs = document.getElementById('checks-nojs');
  if (nojs) nojs.hidden = true;
  const w = WORDS[String(data.lang).startsWith('es') ? 'es' : 'en'];
  if (data.page === 'ballot') checkBallot(data, w);
}
