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
    placeProblem('unsigned');
    placeProblem('key');
  }

  form.addEventListener('input', function () {
    clearTimeout(timer);
    timer = setTimeout(check, DELAY_MS);
  });
})();
