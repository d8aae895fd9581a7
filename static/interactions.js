/* The Interactions page, live: the log's Server-Sent Events (/interactions/stream) say when
   something was recorded, and the list section is fetched again with the page's own query, so
   search, filters and paging stay exactly what the server shows. Without JavaScript the page is
   a plain list: reload to see more. */
(function () {
  'use strict';
  var log = document.getElementById('log');
  var note = document.getElementById('live-note');
  var status = document.getElementById('live-status');
  if (!log || !note || !status || !window.EventSource || !window.fetch) return;

  var timer = null;
  var busy = false;
  var again = false;

  function newestShown() {
    var row = log.querySelector('tr[data-seq]');
    return row ? Number(row.dataset.seq) : 0;
  }

  function refresh() {
    if (busy) { again = true; return; }
    busy = true;
    var before = newestShown();
    fetch('/interactions/section' + window.location.search, {
      credentials: 'same-origin',
      headers: { 'Accept': 'text/html' }
    }).then(function (response) {
      if (!response.ok) throw new Error('HTTP ' + response.status);
      return response.text();
    }).then(function (html) {
      // Same-origin HTML, rendered and escaped by the server's templates.
      log.innerHTML = html;
      var fresh = 0;
      log.querySelectorAll('tr[data-seq]').forEach(function (row) {
        if (Number(row.dataset.seq) > before) {
          row.classList.add('fresh');
          fresh += 1;
        }
      });
      if (fresh > 0) {
        status.textContent = fresh === 1 ? '1 new interaction.' : fresh + ' new interactions.';
      }
    }).catch(function () {
      status.textContent = 'The list could not be refreshed: reload the page.';
    }).then(function () {
      busy = false;
      if (again) { again = false; refresh(); }
    });
  }

  var stream = new EventSource('/interactions/stream');
  stream.addEventListener('open', function () { note.hidden = false; });
  stream.addEventListener('interaction', function () {
    clearTimeout(timer);
    timer = setTimeout(refresh, 100);
  });
  // EventSource reconnects by itself (and resumes from the last event id).
  stream.addEventListener('error', function () { note.hidden = true; });
})();
