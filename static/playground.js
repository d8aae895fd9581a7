/* The playground: decode and check as the person types. Progressive: without this script the
   form posts to /playground and the result page shows the same panel. The preview endpoint
   verifies exactly what Verify would, without recording it. */
(function () {
  'use strict';
  var form = document.getElementById('playground');
  var panel = document.getElementById('result');
  var status = document.getElementById('live-status');
  if (!form || !panel || !window.fetch) return;

  var DELAY_MS = 250;
  var timer = null;
  var inFlight = null;
  var sequence = 0;

  function check() {
    var mine = ++sequence;
    if (inFlight) inFlight.abort();
    inFlight = new AbortController();
    var body = new URLSearchParams(new FormData(form));
    fetch('/playground/preview', {
      method: 'POST',
      body: body,
      credentials: 'same-origin',
      headers: { 'Accept': 'text/html' },
      signal: inFlight.signal
    }).then(function (response) {
      if (!response.ok) {
        throw new Error(response.status === 403
          ? 'Live check refused (the form expired): reload the page.'
          : 'Live check failed (' + response.status + '): press Verify.');
      }
      return response.text();
    }).then(function (html) {
      if (mine !== sequence) return;
      // Same-origin HTML, rendered and escaped by the server's templates (as on page loads).
      panel.innerHTML = html;
      lit = null;
      panel.setAttribute('data-live', String(mine));
      placeUnsignedProblem();
      var summary = document.getElementById('summary');
      status.textContent = summary ? 'Checked: ' + summary.textContent : '';
    }).catch(function (error) {
      if (error.name === 'AbortError' || mine !== sequence) return;
      status.textContent = error.message;
    });
  }

  // A box's own error (the unsigned data's, the pasted key's) goes under that box and marks
  // it; the token's diagnosis stays in the panel beside it.
  function placeProblem(name) {
    var box = document.getElementById(name);
    var slot = document.getElementById(name + '-slot');
    if (!slot || !box) return;
    var problem = panel.querySelector('[data-for="' + name + '"]');
    slot.textContent = '';
    if (problem) {
      slot.appendChild(problem);
      box.setAttribute('aria-invalid', 'true');
      box.setAttribute('aria-describedby', name + '-problem');
    } else if (box.getAttribute('aria-describedby') === name + '-problem') {
      box.removeAttribute('aria-invalid');
      box.removeAttribute('aria-describedby');
    }
  }
  function placeUnsignedProblem() {
    placeProblem('token');
    placeProblem('unsigned');
    placeProblem('key');
  }

  // The token box coloured by part, as typed: the coloured copy behind it follows its text
  // and its scroll.
  var tokenBox = document.getElementById('token');
  var backdrop = document.getElementById('token-backdrop');
  var PARTS = ['header', 'payload', 'signature'];
  function colourToken() {
    if (!tokenBox || !backdrop) return;
    backdrop.textContent = '';
    tokenBox.value.split('.').forEach(function (segment, index) {
      if (index > 0) {
        var dot = document.createElement('span');
        dot.className = 'seg-dot';
        dot.textContent = '.';
        backdrop.appendChild(dot);
      }
      var span = document.createElement('span');
      var part = PARTS[index] || 'extra';
      span.className = 'seg-' + part;
      span.setAttribute('data-part', part);
      span.textContent = segment;
      backdrop.appendChild(span);
    });
    // A last line break in a textarea takes a line; in a div it needs a character after it.
    backdrop.appendChild(document.createTextNode('\u200b'));
    backdrop.scrollTop = tokenBox.scrollTop;
  }
  if (tokenBox && backdrop) {
    tokenBox.classList.add('coloured');
    colourToken();
    tokenBox.addEventListener('input', colourToken);
    tokenBox.addEventListener('scroll', function () { backdrop.scrollTop = tokenBox.scrollTop; });
  }

  // The pointer on a part of the token (in the box, or in the coloured copy of the result)
  // outlines what that part decodes to.
  var DECODED = { header: 'decoded-header', payload: 'decoded-payload' };
  var lit = null;
  function light(part) {
    var target = part && DECODED[part] ? document.getElementById(DECODED[part]) : null;
    if (target === lit) return;
    if (lit) lit.classList.remove('hl');
    lit = target;
    if (lit) lit.classList.add('hl');
  }
  function partAt(x, y) {
    var under = document.elementsFromPoint ? document.elementsFromPoint(x, y) : [];
    for (var i = 0; i < under.length; i++) {
      var part = under[i].getAttribute && under[i].getAttribute('data-part');
      if (part) return part;
    }
    return null;
  }
  if (tokenBox) {
    tokenBox.addEventListener('mousemove', function (event) { light(partAt(event.clientX, event.clientY)); });
    tokenBox.addEventListener('mouseleave', function () { light(null); });
  }
  panel.addEventListener('mouseover', function (event) {
    var part = event.target.getAttribute && event.target.getAttribute('data-part');
    light(part);
  });

  function later() {
    clearTimeout(timer);
    timer = setTimeout(check, DELAY_MS);
  }
  form.addEventListener('input', later);
  // The pasted key's box is the form's (form="playground") but sits outside it.
  var keyBox = document.getElementById('key');
  if (keyBox && !form.contains(keyBox)) keyBox.addEventListener('input', later);
})();
