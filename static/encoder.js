/* The playground's encoder: signs a payload as ES256 in this browser, with WebCrypto. The
   private key is read from a box that belongs to no form and is sent nowhere; the token goes
   into the playground's token box, which checks it as usual. Accepts what openssl writes
   (SEC1 "EC PRIVATE KEY", wrapped here into PKCS #8 for WebCrypto), PKCS #8 "PRIVATE KEY", or
   a private JWK; or generates a pair, showing its public half as PEM to store or check against. */
(function () {
  'use strict';
  var box = document.getElementById('encoder');
  if (!box) return;
  var subtle = window.crypto && window.crypto.subtle;
  var sign = document.getElementById('encoder-sign');
  var generate = document.getElementById('encoder-generate');
  var status = document.getElementById('encoder-status');
  var keyBox = document.getElementById('encoder-key');
  var payloadBox = document.getElementById('encoder-payload');
  var kidBox = document.getElementById('encoder-kid');
  var tokenBox = document.getElementById('token');
  if (!subtle || !window.isSecureContext) {
    document.getElementById('encoder-unavailable').hidden = false;
    sign.disabled = true;
    generate.disabled = true;
    return;
  }
  var ALGORITHM = { name: 'ECDSA', namedCurve: 'P-256' };

  function base64url(bytes) {
    var text = '';
    bytes = new Uint8Array(bytes);
    for (var i = 0; i < bytes.length; i++) text += String.fromCharCode(bytes[i]);
    return btoa(text).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
  }
  function utf8(text) { return new TextEncoder().encode(text); }
  function pemBody(pem, label) {
    var match = pem.match(new RegExp('-----BEGIN ' + label + '-----([\\s\\S]*?)-----END ' + label + '-----'));
    if (!match) return null;
    var binary = atob(match[1].replace(/\s+/g, ''));
    var bytes = new Uint8Array(binary.length);
    for (var i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
    return bytes;
  }
  function toPem(bytes, label) {
    var b64 = btoa(String.fromCharCode.apply(null, new Uint8Array(bytes)));
    return '-----BEGIN ' + label + '-----\n' + b64.match(/.{1,64}/g).join('\n') + '\n-----END ' + label + '-----\n';
  }
  // DER: a tag, its length, its content.
  function der(tag, content) {
    var n = content.length;
    var length = n < 128 ? [n] : n < 256 ? [0x81, n] : [0x82, n >> 8, n & 255];
    var out = new Uint8Array(1 + length.length + n);
    out[0] = tag;
    out.set(length, 1);
    out.set(content, 1 + length.length);
    return out;
  }
  function concat(parts) {
    var size = parts.reduce(function (sum, p) { return sum + p.length; }, 0);
    var out = new Uint8Array(size);
    var at = 0;
    parts.forEach(function (p) { out.set(p, at); at += p.length; });
    return out;
  }
  // SEC1 ECPrivateKey (openssl ecparam -genkey) as PKCS #8, which WebCrypto imports.
  function sec1ToPkcs8(sec1) {
    var version = new Uint8Array([0x02, 0x01, 0x00]);
    var algorithm = new Uint8Array([0x30, 0x13, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01,
      0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07]);
    return der(0x30, concat([version, algorithm, der(0x04, sec1)]));
  }

  function importKey(text) {
    text = text.trim();
    if (!text) return Promise.reject(new Error('Paste a private key, or generate a pair.'));
    if (text.charAt(0) === '{') {
      var jwk;
      try { jwk = JSON.parse(text); } catch (e) { return Promise.reject(new Error('The JWK is not valid JSON.')); }
      if (!jwk.d) return Promise.reject(new Error('That JWK is public (no "d"): signing needs the private key.'));
      return subtle.importKey('jwk', jwk, ALGORITHM, false, ['sign']);
    }
    var pkcs8 = pemBody(text, 'PRIVATE KEY');
    if (!pkcs8) {
      var sec1 = pemBody(text, 'EC PRIVATE KEY');
      if (sec1) pkcs8 = sec1ToPkcs8(sec1);
    }
    if (!pkcs8) {
      var hint = text.indexOf('PUBLIC KEY') >= 0
        ? 'That is a public key: signing needs the private one (ec_private.pem).'
        : 'Paste a PEM private key (EC PRIVATE KEY or PRIVATE KEY) or a JWK with "d".';
      return Promise.reject(new Error(hint));
    }
    return subtle.importKey('pkcs8', pkcs8, ALGORITHM, false, ['sign']);
  }

  sign.addEventListener('click', function () {
    var payload;
    try {
      payload = JSON.stringify(JSON.parse(payloadBox.value));
    } catch (e) {
      status.textContent = 'The payload is not valid JSON: ' + e.message;
      return;
    }
    var header = { alg: 'ES256' };
    if (kidBox.value.trim()) header.kid = kidBox.value.trim();
    var input = base64url(utf8(JSON.stringify(header))) + '.' + base64url(utf8(payload));
    importKey(keyBox.value).then(function (key) {
      // WebCrypto's ECDSA signature is r||s, 64 bytes: exactly what JWS wants (not DER).
      return subtle.sign({ name: 'ECDSA', hash: 'SHA-256' }, key, utf8(input));
    }).then(function (signature) {
      // A pair made here has no stored public half, so checking its token against the stored
      // keys could only say signature_mismatch (#32): check it against its own public half, in
      // the "Check against a public key" box, which stores nothing.
      var own = generated && keyBox.value === generated.privatePem;
      var trialBox = document.getElementById('key');
      if (own && trialBox) {
        trialBox.value = generated.publicPem;
        var details = document.getElementById('trial-key');
        if (details) details.open = true;
        trialBox.dispatchEvent(new Event('input', { bubbles: true }));
      } else if (trialBox && generated && trialBox.value === generated.publicPem) {
        // Another key signs now: the stored keys judge it again, not the pair's public half.
        trialBox.value = '';
        trialBox.dispatchEvent(new Event('input', { bubbles: true }));
      }
      tokenBox.value = input + '.' + base64url(signature);
      tokenBox.dispatchEvent(new Event('input', { bubbles: true }));
      status.textContent = own
        ? 'Signed in this browser with the pair made here, and checked against its public half (in "Check against a public key"). Store that half on Signing Keys for pages to be verified with it.'
        : 'Signed in this browser; the token is in the box above.';
    }).catch(function (error) {
      status.textContent = error.message || 'The key could not be used to sign.';
    });
  });

  // The pair made by "Generate a key pair", while its private key is the one in the box.
  var generated = null;

  generate.addEventListener('click', function () {
    subtle.generateKey(ALGORITHM, true, ['sign', 'verify']).then(function (pair) {
      return Promise.all([subtle.exportKey('pkcs8', pair.privateKey), subtle.exportKey('spki', pair.publicKey)]);
    }).then(function (keys) {
      generated = { privatePem: toPem(keys[0], 'PRIVATE KEY'), publicPem: toPem(keys[1], 'PUBLIC KEY') };
      keyBox.value = generated.privatePem;
      document.getElementById('encoder-public-pem').textContent = generated.publicPem;
      document.getElementById('encoder-store-pem').value = generated.publicPem;
      document.getElementById('encoder-public').hidden = false;
      status.textContent = 'Made a key pair in this browser; press Sign.';
    }).catch(function (error) {
      status.textContent = 'Could not make a key pair: ' + error.message;
    });
  });
})();
