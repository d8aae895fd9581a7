/* The Interactions page, live: the log's Server-Sent Events (/interactions/stream) say when
   something was recorded or removed, and the list section is fetched again with the page's own
   query, so search, filters and paging stay exactly what the server shows. At the top of the
   page, the page stays at the top. Scrolled down, a refresh keeps the keyboard focus where it
   was and the row under the pointer (or the first row in view) where it was on screen, and
   says how many arrived above. On an older page (page 2 and on), new interactions do not shift the rows: a
   note says how many arrived, with a link to the newest. Without JavaScript the page is a plain
   list: reload to see more. */
(function () {
  'use strict';
  // The Source, Code and page-size choices apply when the choice is committed: picked with the
  // pointer from the open list, or Enter on the select (or the Search button, which is what
  // works without JavaScript). Arrow keys on a closed select change its value without leaving
  // the page (WCAG 3.2.2): the page says how to apply it, and the focus stays.
  var search = document.getElementById('search');
  var pending = document.getElementById('pending-change');
  function apply() {
    if (search.requestSubmit) { search.requestSubmit(); } else { search.submit(); }
  }
  ['source', 'code', 'per'].forEach(function (id) {
    var select = document.getElementById(id);
    if (!search || !select) return;
    var keyed = false;
    select.addEventListener('keydown', function (event) {
      if (event.key === 'Enter') {
        event.preventDefault();
        apply();
      } else if (event.key !== 'Tab' && event.key !== 'Shift') {
        keyed = true;
      }
    });
    select.addEventListener('pointerdown', function () { keyed = false; });
    select.addEventListener('change', function () {
      if (!keyed) { apply(); return; }
      keyed = false;
      if (pending) pending.textContent = 'Press Enter or Search to apply the new choice.';
    });
  });

  var log = document.getElementById('log');
  var note = document.getElementById('live-note');
  var status = document.getElementById('live-status');
  if (!log || !note || !status || !window.EventSource || !window.fetch) return;

  var timer = null;
  var busy = false;
  var again = false;
  var hovered = null;
  var olderPage = /[?&](cursor|after)=/.test(window.location.search);
  var arrivedMeanwhile = 0;
  // New rows above the screen while the reader was scrolled down; cleared back at the top.
  var unseen = 0;

  function sayUnseen() {
    status.textContent = '';
    if (unseen === 0) return;
    var up = document.createElement('a');
    up.href = '#log';
    up.id = 'show-new';
    up.textContent = unseen === 1 ? '1 new above ↑' : unseen + ' new above ↑';
    up.addEventListener('click', function (event) {
      event.preventDefault();
      window.scrollTo(0, 0);
      var first = log.querySelector('tr[data-seq] a');
      if (first) first.focus({ preventScroll: true });
      // Said at once (the scroll event that would clear it comes later).
      unseen = 0;
      sayUnseen();
    });
    status.appendChild(up);
  }

  window.addEventListener('scroll', function () {
    if (unseen > 0 && window.scrollY <= 0) { unseen = 0; sayUnseen(); }
  }, { passive: true });

  function newestShown() {
    var row = log.querySelector('tr[data-seq]');
    return row ? Number(row.dataset.seq) : 0;
  }

  function focusables(row) {
    return Array.prototype.slice.call(row.querySelectorAll('a, button'));
  }

  // Where the person is: what has the keyboard focus, and which row to hold in place. At the
  // top of the page, with no row focused, the person is following the newest: the page stays
  // at the top and the new rows push the older ones down, not the screen.
  function remember() {
    var state = { focus: null, anchor: null, atTop: false };
    var active = document.activeElement;
    var focusedRow = active && log.contains(active) ? active.closest('tr[data-seq]') : null;
    state.atTop = window.scrollY <= 0 && !focusedRow;
    if (focusedRow) {
      state.focus = { seq: focusedRow.dataset.seq, index: focusables(focusedRow).indexOf(active) };
    }
    // The focused row first, then the one under the pointer, then the first one in view.
    var anchor = focusedRow || (hovered && log.contains(hovered) ? hovered : null);
    if (!anchor) {
      var rows = log.querySelectorAll('tr[data-seq]');
      for (var i = 0; i < rows.length && !anchor; i++) {
        if (rows[i].getBoundingClientRect().bottom > 0) anchor = rows[i];
      }
    }
    if (anchor) state.anchor = { seq: anchor.dataset.seq, top: anchor.getBoundingClientRect().top };
    return state;
  }

  function row(seq) {
    return log.querySelector('tr[data-seq="' + seq + '"]');
  }

  function restore(state) {
    if (state.atTop) {
      window.scrollTo(0, 0);
    } else if (state.anchor) {
      var anchor = row(state.anchor.seq);
      if (anchor) window.scrollBy(0, anchor.getBoundingClientRect().top - state.anchor.top);
    }
    if (state.focus) {
      var focused = row(state.focus.seq);
      var target = focused ? focusables(focused)[state.focus.index] : null;
      if (target) {
        target.focus({ preventScroll: true });
      } else {
        // The focused row is gone (deleted, cleared): keep the focus in the list, not on <body>.
        log.setAttribute('tabindex', '-1');
        log.focus({ preventScroll: true });
      }
    }
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
      var state = remember();
      // Same-origin HTML, rendered and escaped by the server's templates.
      log.innerHTML = html;
      hovered = null;
      restore(state);
      var fresh = 0;
      log.querySelectorAll('tr[data-seq]').forEach(function (tr) {
        if (Number(tr.dataset.seq) > before) {
          tr.classList.add('fresh');
          fresh += 1;
        }
      });
      if (fresh > 0) {
        if (state.atTop) {
          status.textContent = fresh === 1 ? '1 new interaction.' : fresh + ' new interactions.';
        } else {
          // Scrolled down: the reader's place is kept; say how many arrived above it.
          unseen += fresh;
          sayUnseen();
        }
      }
    }).catch(function () {
      status.textContent = 'The list could not be refreshed: reload the page.';
    }).then(function () {
      busy = false;
      if (again) { again = false; refresh(); }
    });
  }

  function later() {
    clearTimeout(timer);
    timer = setTimeout(refresh, 100);
  }

  // On an older page the rows stay put: say how many arrived, and link to the newest.
  function noteArrivals(count) {
    arrivedMeanwhile += count;
    var newest = document.getElementById('newest');
    var href = newest ? newest.getAttribute('href')
      : '/interactions' + window.location.search.replace(/([?&])(cursor|after)=[^&]*&?/g, '$1').replace(/[?&]$/, '');
    status.textContent = '';
    var link = document.createElement('a');
    link.href = href;
    link.id = 'show-newest';
    link.textContent = arrivedMeanwhile === 1 ? '1 new, show newest' : arrivedMeanwhile + ' new, show newest';
    status.appendChild(link);
  }

  log.addEventListener('mouseover', function (event) {
    hovered = event.target.closest ? event.target.closest('tr[data-seq]') : null;
  });
  log.addEventListener('mouseleave', function () { hovered = null; });

  var stream = new EventSource('/interactions/stream');
  stream.addEventListener('open', function () { note.hidden = false; });
  stream.addEventListener('interaction', function () {
    if (olderPage) { noteArrivals(1); } else { later(); }
  });
  // A clear (in another tab, by a script, a reset) or a deletion: the list follows at once, so
  // no row links to an interaction that is gone.
  stream.addEventListener('removed', function (event) {
    var removed = {};
    try { removed = JSON.parse(event.data); } catch (e) { /* refresh anyway */ }
    if (removed.cleared) status.textContent = 'The log was cleared.';
    later();
  });
  // EventSource reconnects by itself (and resumes from the last event id).
  stream.addEventListener('error', function () { note.hidden = true; });
})();
