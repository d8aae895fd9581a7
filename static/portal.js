/* Every portal page: copy buttons. Without JavaScript they stay hidden (CSS shows them under .js). */
(function () {
  'use strict';
  document.documentElement.classList.add('js');

  function copyText(text) {
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(text);
    }
    return new Promise(function (resolve, reject) {
      var area = document.createElement('textarea');
      area.value = text;
      area.setAttribute('readonly', '');
      area.style.position = 'fixed';
      area.style.opacity = '0';
      document.body.appendChild(area);
      area.select();
      var done = document.execCommand('copy');
      area.remove();
      if (done) { resolve(); } else { reject(new Error('copy refused')); }
    });
  }

  function say(button, text) {
    if (!button.dataset.label) button.dataset.label = button.textContent;
    button.textContent = text;
    clearTimeout(button.copyTimer);
    button.copyTimer = setTimeout(function () { button.textContent = button.dataset.label; }, 1500);
  }

  // Delegated, so buttons in panels swapped in later (the playground's live result) work too.
  document.addEventListener('click', function (event) {
    var button = event.target.closest('button.copy');
    if (!button) return;
    var source = document.getElementById(button.dataset.copy);
    if (!source) return;
    var text = source.tagName === 'TEXTAREA' || source.tagName === 'INPUT' ? source.value : source.textContent;
    copyText(text).then(
      function () { say(button, 'Copied'); },
      function () { say(button, 'Copy failed: select and copy by hand'); }
    );
  });

  // Relative times ("12 s ago") stay true while the page is open; the exact time is the title.
  function ago(millis) {
    var seconds = Math.max(0, Math.floor((Date.now() - millis) / 1000));
    if (seconds < 5) return 'just now';
    if (seconds < 60) return seconds + ' s ago';
    if (seconds < 3600) return Math.floor(seconds / 60) + ' min ago';
    if (seconds < 86400) return Math.floor(seconds / 3600) + ' h ago';
    return Math.floor(seconds / 86400) + ' d ago';
  }
  function refreshTimes() {
    document.querySelectorAll('time[data-millis]').forEach(function (time) {
      time.textContent = ago(Number(time.dataset.millis));
    });
  }
  setInterval(refreshTimes, 10000);

  // Every time reads "2 min ago" (routes/portal/moment.rs); on hover, the person's local time
  // and UTC. Set when the pointer first reaches it, so rows added live get it too.
  document.addEventListener('mouseover', function (event) {
    var time = event.target.closest ? event.target.closest('time.moment[datetime]') : null;
    if (!time || time.dataset.described) return;
    var utc = time.getAttribute('datetime');
    var date = new Date(utc);
    if (isNaN(date)) return;
    time.title = date.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'medium' }) +
      ' (your time) · ' + utc.replace('T', ' ').replace('Z', '') + ' UTC';
    time.dataset.described = '1';
  });

  // A row with data-href is a link as a whole (the Interactions list, Mailpit's way): a click
  // anywhere in it that is not on its own links or a text selection opens it; with Ctrl or
  // Cmd, in a new tab. Its first cell holds the real link, for keyboards and no script.
  document.addEventListener('click', function (event) {
    if (event.defaultPrevented || event.button !== 0 || !event.target.closest) return;
    var row = event.target.closest('tr[data-href]');
    if (!row || event.target.closest('a, button, input, select, textarea, summary')) return;
    var selection = window.getSelection ? String(window.getSelection()) : '';
    if (selection) return;
    if (event.ctrlKey || event.metaKey) {
      window.open(row.dataset.href, '_blank', 'noopener');
    } else {
      window.location.href = row.dataset.href;
    }
  });

  // On a phone the nav is one row that scrolls by itself: show the current page's link.
  var current = document.querySelector('header.top nav a[aria-current="page"]');
  if (current && current.parentElement.scrollWidth > current.parentElement.clientWidth) {
    current.parentElement.scrollLeft = current.offsetLeft - 16;
  }

  // Theme: system, then the scheme the system does not show, then the other, then system
  // again (so the first click always changes what is seen: system → dark on a light system,
  // system → light on a dark one), remembered in localStorage (theme.js applies it before the
  // page paints).
  var systemIsDark = window.matchMedia && window.matchMedia('(prefers-color-scheme: dark)').matches;
  var ORDER = systemIsDark ? ['system', 'light', 'dark'] : ['system', 'dark', 'light'];
  function currentTheme() {
    return document.documentElement.getAttribute('data-theme') || 'system';
  }
  function showTheme(button) {
    button.textContent = 'Theme: ' + currentTheme();
  }
  var toggle = document.getElementById('theme-toggle');
  if (toggle) {
    showTheme(toggle);
    toggle.addEventListener('click', function () {
      var next = ORDER[(ORDER.indexOf(currentTheme()) + 1) % ORDER.length];
      try {
        if (next === 'system') {
          window.localStorage.removeItem('te-theme');
        } else {
          window.localStorage.setItem('te-theme', next);
        }
      } catch (e) { /* not remembered, still applied */ }
      if (next === 'system') {
        document.documentElement.removeAttribute('data-theme');
      } else {
        document.documentElement.setAttribute('data-theme', next);
      }
      showTheme(toggle);
    });
  }
})();
