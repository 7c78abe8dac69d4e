// The bulletin board's checks as pure functions (no page): docs/spec.md §3, §6.2-6.4, §9.4,
// §9.5, §10.1. board.js runs them on a page; tests/web/checks_kat.mjs runs the spec's known
// answers through them in node. Curve arithmetic and Ed25519: @noble/curves.
import { ed25519 } from '@noble/curves/ed25519';
import { p256 } from '@noble/curves/p256';

export const enc = new TextEncoder();
export const dec = new TextDecoder('utf-8', { fatal: true });

export class CheckError extends Error {}
export function must(condition, why) {
  if (!condition) throw new CheckError(why);
}

// ------------------------------------------------------------------------------------ bytes

export function b64(text) {
  const bin = atob(text);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}
export function hex(bytes) {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}
export function unhex(text) {
  must(/^([0-9a-f]{2})*$/.test(text), 'bad hex');
  const out = new Uint8Array(text.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(text.substr(2 * i, 2), 16);
  return out;
}
export function concat(...parts) {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
export function equal(a, b) {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
export function u32be(v) {
  return new Uint8Array([(v >>> 24) & 255, (v >>> 16) & 255, (v >>> 8) & 255, v & 255]);
}
export async function sha256(bytes) {
  return new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
}

// The canonical encoding of docs/spec.md §3.3, read strictly.
export class Reader {
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
export function decodeEntry(bytes) {
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
export async function taggedHash(tag, ...fields) {
  const parts = [u32be(tag.length), enc.encode(tag)];
  for (const f of fields) parts.push(u32be(f.length), f);
  return sha256(concat(...parts));
}

// -------------------------------------------------------------------------------- Merkle tree

// RFC 6962 / RFC 9162 §2.1.3.2: the root from a leaf hash, its index, the tree size and PATH.
export async function rootFromInclusion(leaf, index, size, proof) {
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

export async function checkIncluded(entryBytes, index, proofHex, checkpoint) {
  const leaf = await sha256(concat(new Uint8Array([0]), entryBytes));
  const root = await rootFromInclusion(leaf, BigInt(index), checkpoint.size, proofHex.map(unhex));
  must(equal(root, checkpoint.root), 'the inclusion proof does not lead to the checkpoint root');
}

// ----------------------------------------------------------------------- notes and checkpoints

// docs/spec.md §6.3.1: text and signature lines (split at the last blank line).
export function parseNote(note) {
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
export async function parseVerifierKey(text, type) {
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

export function verifyLedgerSignature(cp, vk) {
  const mine = cp.sigs.filter((s) => s.name === vk.name && s.keyId === vk.keyId);
  must(mine.length > 0, 'the checkpoint is not signed by the ledger key of the election');
  for (const s of mine) {
    must(s.payload.length === 64, 'bad signature length');
    must(ed25519.verify(s.payload, enc.encode(cp.text), vk.key), 'the ledger signature does not verify');
  }
}

// docs/spec.md §6.4: the distinct listed witnesses whose cosignature/v1 verifies.
export async function countCosignatures(cp, witnesses) {
  let count = 0;
  const seen = new Set();
  for (const w of witnesses) {
    if (seen.has(w.name)) continue;
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
    if (ed25519.verify(line.payload.subarray(8), message, vk.key)) {
      seen.add(w.name);
      count++;
    }
  }
  return count;
}

// ------------------------------------------------------------------------ challenged ballots

// docs/spec.md §9.3.3 and §9.5: the ballot (its bytes, for the code) and its opening.
export function decodeChallenged(body) {
  const r = new Reader(body);
  const start = r.at;
  r.u64(); // sequence
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

export function bigint(bytes) {
  return BigInt('0x' + (hex(bytes) || '0'));
}

// A = r*G, B = m*G + r*K, with m recomputed as the one of 0 and 1 that fits.
export function recomputeMarks(opened, electionKey) {
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

