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
import {
  CheckError,
  must,
  b64,
  hex,
  unhex,
  concat,
  equal,
  u32be,
  sha256,
  Reader,
  decodeEntry,
  taggedHash,
  rootFromInclusion,
  checkIncluded,
  parseNote,
  parseVerifierKey,
  verifyLedgerSignature,
  countCosignatures,
  decodeChallenged,
  bigint,
  recomputeMarks,
  dec,
} from './checks.js';

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
