// verify.js — checks, in the visitor's own browser with WebCrypto, that the version on
// this page is in the register's transparency log: the checkpoint's Ed25519 signature,
// the leaf, the inclusion proof (RFC 9162) and, for a withheld registration that was
// published, that the revealed content matches the commitment logged when it was
// withheld. The page works without it; this only adds an independent check.
'use strict';

(function () {
  const box = document.getElementById('log-check');
  if (!box || !window.crypto || !crypto.subtle) return;
  const button = box.querySelector('button');
  const out = box.querySelector('[role=status]');
  const msg = (key) => box.dataset[key] || key;
  const enc = new TextEncoder();

  const b64 = (s) => Uint8Array.from(atob(s), (c) => c.charCodeAt(0));
  const hex = (u8) => Array.from(u8, (b) => b.toString(16).padStart(2, '0')).join('');
  const eq = (a, b) => a.length === b.length && a.every((x, i) => x === b[i]);
  const sha256 = async (...parts) => {
    const len = parts.reduce((n, p) => n + p.length, 0);
    const all = new Uint8Array(len);
    let off = 0;
    for (const p of parts) { all.set(p, off); off += p.length; }
    return new Uint8Array(await crypto.subtle.digest('SHA-256', all));
  };
  const leafHash = (data) => sha256(new Uint8Array([0]), data);
  const nodeHash = (l, r) => sha256(new Uint8Array([1]), l, r);

  // Canonical JSON (doc/canonical-json.md): sorted keys, no whitespace.
  const canon = (v) => {
    if (Array.isArray(v)) return '[' + v.map(canon).join(',') + ']';
    if (v && typeof v === 'object') {
      return '{' + Object.keys(v).sort().map((k) => JSON.stringify(k) + ':' + canon(v[k])).join(',') + '}';
    }
    return JSON.stringify(v);
  };

  async function verifyInclusion(leaf, index, size, root, proof) {
    if (index >= size) return false;
    let fn = BigInt(index), sn = BigInt(size - 1), r = leaf;
    for (const p of proof) {
      if (sn === 0n) return false;
      if ((fn & 1n) || fn === sn) {
        r = await nodeHash(p, r);
        while (!(fn & 1n) && fn !== 0n) { fn >>= 1n; sn >>= 1n; }
      } else {
        r = await nodeHash(r, p);
      }
      fn >>= 1n; sn >>= 1n;
    }
    return sn === 0n && eq(r, root);
  }

  async function getJSON(url) {
    const r = await fetch(url, { headers: { Accept: 'application/json' } });
    if (!r.ok) throw new Error(url + ': ' + r.status);
    return r.json();
  }

  // c2sp.org/signed-note: text, blank line, "— name base64(keyhash ‖ signature)".
  async function openCheckpoint(note, vkey) {
    // name+hash+key; the base64 key may itself contain '+'
    const i1 = vkey.indexOf('+'), i2 = vkey.indexOf('+', i1 + 1);
    const name = vkey.slice(0, i1), keyB64 = vkey.slice(i2 + 1);
    const key = b64(keyB64).slice(1); // 0x01 ‖ Ed25519 public key
    const split = note.lastIndexOf('\n\n');
    const text = note.slice(0, split + 1);
    const line = note.slice(split + 2).split('\n').find((l) => l.startsWith('\u2014 ' + name + ' '));
    if (!line) throw new Error('no signature by ' + name);
    const sig = b64(line.split(' ')[2]).slice(4);
    const pub = await crypto.subtle.importKey('raw', key, { name: 'Ed25519' }, false, ['verify']);
    if (!(await crypto.subtle.verify({ name: 'Ed25519' }, pub, sig, enc.encode(text)))) {
      throw new Error('signature');
    }
    const lines = text.split('\n');
    return { origin: lines[0], size: Number(lines[1]), root: b64(lines[2]) };
  }

  async function check() {
    button.disabled = true;
    out.textContent = msg('busy');
    const said = [];
    try {
      const log = await getJSON('/api/v1/log');
      const note = await (await fetch('/checkpoint')).text();
      const cp = await openCheckpoint(note, log.verifier_key);
      said.push(msg('signature').replace('%s', cp.origin).replace('%n', cp.size));
      const reg = await getJSON('/api/v1/registrations/' + box.dataset.id + '?version=' + box.dataset.version);
      const index = reg.log.index;
      const entry = await getJSON('/api/v1/log/entries/' + index);
      const proof = await getJSON('/api/v1/log/proof/inclusion?index=' + index + '&size=' + cp.size);
      const leaf = await leafHash(enc.encode(entry.data));
      if (!(await verifyInclusion(leaf, index, cp.size, cp.root, proof.proof.map(b64)))) throw new Error('inclusion');
      said.push(msg('included').replace('%i', index).replace('%t', entry.entry.time));
      const digest = hex(await sha256(enc.encode(canon(reg.record))));
      if (digest !== entry.entry.sha256) throw new Error('record');
      said.push(msg('unaltered'));
      let view = null; // a large reveal: the content is in the withholding view, its hash in the leaf
      for (const rv of entry.entry.revealed || []) {
        let content = rv.content;
        if (content === undefined) {
          view = view || await getJSON('/api/v1/registrations/' + box.dataset.id + '/withholding');
          content = ((view.revealed || []).find((x) => x.version === rv.version) || {}).content;
          if (content === undefined || hex(await sha256(enc.encode(canon(content)))) !== rv.content_sha256) throw new Error('revealed content');
        }
        const c = hex(await sha256(b64(rv.salt), enc.encode(canon(content))));
        if (c !== rv.commitment) throw new Error('commitment');
        said.push(msg('revealed').replace('%v', rv.version));
      }
      out.textContent = said.join(' ');
      box.classList.add('log-check--ok');
    } catch (e) {
      out.textContent = msg('failed') + ' (' + e.message + ')';
      box.classList.add('log-check--failed');
    } finally {
      button.disabled = false;
    }
  }

  button.hidden = false;
  button.addEventListener('click', check);
})();
