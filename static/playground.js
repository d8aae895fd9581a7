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

  // The unsigned box's own error goes under that box, and marks it; the token's diagnosis
  // stays in the panel beside it.
  var unsignedBox = document.getElementById('unsigned');
  var slot = document.getElementById('unsigned-slot');
  function placeUnsignedProblem() {
    if (!slot || !unsignedBox) return;
    var problem = panel.querySelector('[data-for="unsigned"]');
    slot.textContent = '';
    if (problem) {
      slot.appendChild(problem);
      unsignedBox.setAttribute('aria-invalid', 'true');
      unsignedBox.setAttribute('aria-describedby', 'unsigned-problem');
    } else if (!document.getElementById('form-problem')) {
      unsignedBox.removeAttribute('aria-invalid');
      unsignedBox.removeAttribute('aria-describedby');
    }
  }

  form.addEventListener('input', function () {
    clearTimeout(timer);
    timer = setTimeout(check, DELAY_MS);
  });
})();
