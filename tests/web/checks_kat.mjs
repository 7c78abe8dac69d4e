// Known answers for the bulletin board's browser checks (server/web/src/checks.js), run in node
// on the same bundled code: the signed-note and cosignature/v1 vectors of docs/spec.md §6.3.1
// and §6.4 (the witness key's base64 contains '+'), the ballot-chain vectors of §9.4, and RFC 6962
// inclusion proofs against a tree built here independently. Each vector is also tampered with and
// must then fail.
// Usage: node checks_kat.mjs SOURCE_DIR ESBUILD NODE_MODULES_DIR
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const [src, esbuild, modules] = process.argv.slice(2);
const dir = mkdtempSync(path.join(tmpdir(), 'tabella-kat-'));
const out = path.join(dir, 'checks.mjs');
execFileSync(process.execPath, [esbuild, path.join(src, 'server/web/src/checks.js'), '--bundle',
  '--format=esm', '--log-level=warning', `--outfile=${out}`], { env: { ...process.env, NODE_PATH: modules } });
const c = await import(pathToFileURL(out).href);
rmSync(dir, { recursive: true, force: true });

let failures = 0;
function check(ok, what) {
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${what}`);
  if (!ok) failures++;
}
async function throws(fn) {
  try {
    await fn();
    return false;
  } catch {
    return true;
  }
}
const enc = new TextEncoder();
const sigOf = (line) => {
  const [name, b] = line.slice(2).split(' ');
  const raw = Buffer.from(b, 'base64');
  return { name, keyId: raw.subarray(0, 4).toString('hex'), payload: new Uint8Array(raw.subarray(4)) };
};

// §6.3.1: Go sumdb/note's PeterNeumann example.
{
  const text = "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n";
  const line = '\u2014 PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=';
  const vk = await c.parseVerifierKey('PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW', 0x01);
  check(!(await throws(() => c.verifyLedgerSignature({ text, sigs: [sigOf(line)] }, vk))), 'note signature verifies');
  check(await throws(() => c.verifyLedgerSignature({ text: text.replace('answer', 'Answer'), sigs: [sigOf(line)] }, vk)),
        'note signature over other text fails');
  check(await throws(() => c.parseVerifierKey('PeterNeumann+c74f20a4+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW', 0x01)),
        'a verifier key with a wrong key id is refused');
}

// §6.4: cosignature/v1.
{
  const text = 'example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n';
  const line = '\u2014 witness.example.com/w1 oAWfEQAAAABkGFDLBuRDazBLVac2NE+Y+IjbjQOcXLfF9CSDZVUIoS83rE1nFZsVE8YiWV6Ngr7lV8H6bdoBQGP/l73euDMQ9k+bBQ==';
  const w = { name: 'witness.example.com/w1', key: 'witness.example.com/w1+a0059f11+BAOhB7/zzhC+HXDdGOdLwJln5NYwm6UNXx3chmQSVTG4' };
  const cp = c.parseNote(`${text}\n${line}\n`);
  check(cp.size === 20852163n && cp.origin === 'example.com/behind-the-sofa', 'checkpoint parsed');
  check((await c.countCosignatures(cp, [w])) === 1, 'cosignature verifies (key base64 with "+")');
  const forged = c.parseNote(`${text.replace('20852163', '20852164')}\n${line}\n`);
  check((await c.countCosignatures(forged, [w])) === 0, 'cosignature over another size does not count');
  check((await c.countCosignatures(cp, [{ ...w, name: 'witness.example.com/w2' }])) === 0,
        'a witness listed under another name does not count');
  check((await c.countCosignatures(cp, [w, w])) === 1, 'one witness listed twice counts once');
}

// §9.4: seed and ballot code.
{
  const q = new Uint8Array(createHash('sha256').update('tabella ballot test').digest());
  const kiosk = Uint8Array.from({ length: 32 }, (_, i) => i + 1);
  const seed = await c.taggedHash('tabella/v1/ballot-chain-seed', q, kiosk);
  check(c.hex(seed) === '7f2b6d3899f99ddf0d63281262b68939354e8970cb445957d478ea89b79407d8', 'chain seed');
  const ballot = c.concat(c.unhex('0000000000000001000000006553f100'), seed, c.unhex('00000000'));
  const code = await c.taggedHash('tabella/v1/ballot-code', q, kiosk, ballot);
  check(c.hex(code) === '5505d6f70febba5b21e76355bee4e2893bbd50d181e6e39019e20f666b27c887', 'ballot code');
}

// RFC 6962 inclusion against a tree built here.
{
  const h = (...parts) => new Uint8Array(createHash('sha256').update(Buffer.concat(parts.map((p) => Buffer.from(p)))).digest());
  const leaves = Array.from({ length: 7 }, (_, i) => h([0], enc.encode(`entry ${i}`)));
  const mth = (d) => {
    if (d.length === 1) return d[0];
    let k = 1;
    while (k * 2 < d.length) k *= 2;
    return h([1], mth(d.slice(0, k)), mth(d.slice(k)));
  };
  const pathOf = (m, d) => {
    if (d.length === 1) return [];
    let k = 1;
    while (k * 2 < d.length) k *= 2;
    return m < k ? [...pathOf(m, d.slice(0, k)), mth(d.slice(k))] : [...pathOf(m - k, d.slice(k)), mth(d.slice(0, k))];
  };
  for (let n = 1; n <= 7; n++) {
    const root = mth(leaves.slice(0, n));
    for (let m = 0; m < n; m++) {
      const proof = pathOf(m, leaves.slice(0, n));
      const got = await c.rootFromInclusion(leaves[m], BigInt(m), BigInt(n), proof);
      if (!c.equal(got, root)) check(false, `inclusion ${m} of ${n}`);
      if (proof.length) {
        const bad = proof.map((p) => p.slice());
        bad[0][0] ^= 1;
        const r = await c.rootFromInclusion(leaves[m], BigInt(m), BigInt(n), bad).catch(() => null);
        if (r && c.equal(r, root)) check(false, `tampered inclusion ${m} of ${n} accepted`);
      }
    }
  }
  check(true, 'inclusion proofs for every index of trees of 1..7 leaves, tampered ones refused');
  check(await throws(() => c.rootFromInclusion(leaves[0], 0n, 4n, [])), 'a too-short proof is refused');
}

console.log(failures ? `${failures} check(s) FAILED` : 'PASS');
process.exit(failures ? 1 : 0);
