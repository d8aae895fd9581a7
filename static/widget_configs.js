/* Widget configs: a form for a config (#32), on Talkative's editor's model: its name and UUID,
   queues with their presence, API actions with their kind and queue, pre-chat fields. UUIDs are
   generated or pasted, and checked as they are typed; statuses and kinds are choices, never
   typed. The form writes the JSON the page has always posted (the server checks it as before),
   and that JSON stays one click away, to copy out or paste in ("Load into the form"). Without
   JavaScript, the JSON box is the form. */
(function () {
  'use strict';
  var root = document.getElementById('config-builder');
  var json = document.getElementById('config-json');
  var form = json ? json.form : null;
  if (!root || !json || !form) return;
  var STATUSES = root.dataset.statuses.split(' ');
  var KINDS = root.dataset.kinds.split(' ');
  var UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
  var counter = 0;

  function newUuid() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    var bytes = new Uint8Array(16);
    crypto.getRandomValues(bytes);
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    var hex = Array.prototype.map.call(bytes, function (b) { return (b + 256).toString(16).slice(1); }).join('');
    return hex.slice(0, 8) + '-' + hex.slice(8, 12) + '-' + hex.slice(12, 16) + '-' + hex.slice(16, 20) + '-' + hex.slice(20);
  }

  function el(tag, attributes, children) {
    var node = document.createElement(tag);
    Object.keys(attributes || {}).forEach(function (name) {
      if (name === 'text') { node.textContent = attributes[name]; } else { node.setAttribute(name, attributes[name]); }
    });
    (children || []).forEach(function (child) { node.appendChild(child); });
    return node;
  }

  // A labelled input or select; its problem (if any) is said under it, and it is marked.
  function field(labelText, control) {
    var id = 'cb-' + (++counter);
    control.id = id;
    var note = el('span', { 'class': 'field-note', id: id + '-note', 'aria-live': 'polite' });
    control.setAttribute('aria-describedby', note.id);
    return el('div', { 'class': 'cb-field' }, [el('label', { 'for': id, text: labelText }), control, note]);
  }

  function input(value, attributes) {
    var node = el('input', Object.assign({ type: 'text', spellcheck: 'false' }, attributes || {}));
    node.value = value || '';
    return node;
  }

  function select(options, value) {
    var node = el('select');
    options.forEach(function (option) {
      var o = el('option', { value: option.value, text: option.text });
      if (option.value === value) o.selected = true;
      node.appendChild(o);
    });
    return node;
  }

  // Problems are said once the person has started on the form (not on a fresh one).
  var touched = false;
  function say(control, problem) {
    if (!touched) return !problem;
    var note = document.getElementById(control.id + '-note');
    if (note) note.textContent = problem || '';
    if (problem) { control.setAttribute('aria-invalid', 'true'); } else { control.removeAttribute('aria-invalid'); }
    return !problem;
  }

  var name = input('', { 'class': 'cb-name', placeholder: 'Shop website' });
  var uuid = input('', { 'class': 'cb-uuid mono', placeholder: 'generated when empty' });
  var queues = el('div', { 'class': 'cb-rows', id: 'cb-queues' });
  var actions = el('div', { 'class': 'cb-rows', id: 'cb-actions' });
  var fields = el('div', { 'class': 'cb-rows', id: 'cb-fields' });
  var summary = el('p', { 'class': 'muted', id: 'cb-summary', role: 'status' });

  function removeButton(row, what) {
    var button = el('button', { type: 'button', 'class': 'secondary cb-remove', text: 'Remove', 'aria-label': 'Remove this ' + what });
    button.addEventListener('click', function () { row.remove(); write(); });
    return button;
  }

  function queueOptions() {
    return Array.prototype.map.call(queues.querySelectorAll('.cb-row'), function (row) {
      var q = row.querySelector('.cb-queue-uuid').value.trim();
      var n = row.querySelector('.cb-queue-name').value.trim() || q;
      return { value: q, text: n };
    });
  }

  function addQueue(queue) {
    queue = queue || { uuid: newUuid(), name: '', status: 'ONLINE' };
    var row = el('div', { 'class': 'cb-row' });
    var statusChoices = STATUSES.map(function (s) { return { value: s, text: s }; });
    row.appendChild(field('Queue name', input(queue.name, { 'class': 'cb-queue-name', placeholder: 'Sales' })));
    row.appendChild(field('Queue UUID', input(queue.uuid, { 'class': 'cb-queue-uuid mono' })));
    var status = select(statusChoices, queue.status);
    status.className = 'cb-queue-status';
    row.appendChild(field('Presence', status));
    row.appendChild(removeButton(row, 'queue'));
    queues.appendChild(row);
    refreshQueueChoices();
    return row;
  }

  function addAction(action) {
    var first = queueOptions()[0];
    action = action || { reference: '', kind: KINDS[0], queue: first ? first.value : '' };
    var row = el('div', { 'class': 'cb-row' });
    row.appendChild(field('API reference', input(action.reference, { 'class': 'cb-action-reference', placeholder: 'start-chat' })));
    var kind = select(KINDS.map(function (k) { return { value: k, text: k === 'start_chat' ? 'Starts a chat' : k === 'start_video' ? 'Starts a video call' : k === 'fulfilment' ? 'Chatbot fulfilment' : k }; }), action.kind);
    kind.className = 'cb-action-kind';
    row.appendChild(field('Kind', kind));
    var queue = select(queueOptions(), action.queue);
    queue.className = 'cb-action-queue';
    queue.dataset.want = action.queue;
    row.appendChild(field('On queue', queue));
    // A fulfilment action's receiver: its URL and one header (a masked value is kept as stored).
    var header = (action.headers || [])[0] || { name: '', value: '' };
    var fulfilment = [
      field('Receiver URL', input(action.url || '', { 'class': 'cb-action-url', placeholder: 'https://crm.example/fulfil', type: 'url' })),
      field('Header', input(header.name, { 'class': 'cb-action-header-name', placeholder: 'Authorization' })),
      field('Header value', input(header.value, { 'class': 'cb-action-header-value', placeholder: 'Bearer …', autocomplete: 'off' }))
    ];
    fulfilment.forEach(function (f) { row.appendChild(f); });
    function showFulfilment() {
      fulfilment.forEach(function (f) { f.hidden = kind.value !== 'fulfilment'; });
    }
    kind.addEventListener('change', showFulfilment);
    showFulfilment();
    row.appendChild(removeButton(row, 'action'));
    actions.appendChild(row);
    return row;
  }

  function addField(prechat) {
    prechat = prechat || { name: '', label: '' };
    var row = el('div', { 'class': 'cb-row' });
    row.appendChild(field('Field name', input(prechat.name, { 'class': 'cb-field-name', placeholder: 'email' })));
    row.appendChild(field('Label', input(prechat.label, { 'class': 'cb-field-label', placeholder: 'Email address' })));
    row.appendChild(removeButton(row, 'field'));
    fields.appendChild(row);
    return row;
  }

  // An action's queue menu follows the queues above it, keeping its choice by UUID.
  function refreshQueueChoices() {
    var options = queueOptions();
    actions.querySelectorAll('.cb-action-queue').forEach(function (menu) {
      var want = menu.value || menu.dataset.want || '';
      menu.textContent = '';
      options.forEach(function (option) {
        var o = el('option', { value: option.value, text: option.text });
        if (option.value === want) o.selected = true;
        menu.appendChild(o);
      });
    });
  }

  // Checked as typed: the UUIDs' shape, names present, references and queue UUIDs unique.
  function check() {
    var ok = true;
    ok = say(name, name.value.trim() ? '' : 'A config needs a name.') && ok;
    ok = say(uuid, !uuid.value.trim() || UUID.test(uuid.value.trim()) ? '' : 'Not a UUID: 8-4-4-4-12 hex digits, or empty for a new one.') && ok;
    var seen = {};
    queues.querySelectorAll('.cb-row').forEach(function (row) {
      var q = row.querySelector('.cb-queue-uuid');
      var value = q.value.trim();
      var problem = !UUID.test(value) ? 'Not a UUID: 8-4-4-4-12 hex digits.' : seen[value.toLowerCase()] ? 'Two queues have this UUID.' : '';
      seen[value.toLowerCase()] = true;
      ok = say(q, problem) && ok;
      var n = row.querySelector('.cb-queue-name');
      ok = say(n, n.value.trim() ? '' : 'A queue needs a name.') && ok;
    });
    var references = {};
    actions.querySelectorAll('.cb-row').forEach(function (row) {
      var r = row.querySelector('.cb-action-reference');
      var value = r.value.trim();
      ok = say(r, !value ? 'An action needs the reference a page triggers it by.' : references[value] ? 'Two actions have this reference.' : '') && ok;
      references[value] = true;
      var q = row.querySelector('.cb-action-queue');
      ok = say(q, q.value ? '' : 'Add a queue first: an action starts on one.') && ok;
      var u = row.querySelector('.cb-action-url');
      var url = u.value.trim();
      var fulfils = row.querySelector('.cb-action-kind').value === 'fulfilment';
      ok = say(u, !fulfils ? '' : !url ? 'A fulfilment action needs the URL its answer comes from.'
        : /^https:\/\//.test(url) || /^http:\/\/(127\.|localhost|\[::1\])/.test(url) ? ''
        : 'Use https://, or http:// to this machine (127.0.0.1, localhost).') && ok;
    });
    fields.querySelectorAll('.cb-row').forEach(function (row) {
      var n = row.querySelector('.cb-field-name');
      ok = say(n, n.value.trim() ? '' : 'A field needs the name interaction data fills it by.') && ok;
    });
    return ok;
  }

  function read() {
    var config = { name: name.value.trim() };
    if (uuid.value.trim()) config.uuid = uuid.value.trim();
    config.queues = Array.prototype.map.call(queues.querySelectorAll('.cb-row'), function (row) {
      return { uuid: row.querySelector('.cb-queue-uuid').value.trim(), name: row.querySelector('.cb-queue-name').value.trim(), status: row.querySelector('.cb-queue-status').value };
    });
    config.actions = Array.prototype.map.call(actions.querySelectorAll('.cb-row'), function (row) {
      var action = { reference: row.querySelector('.cb-action-reference').value.trim(), kind: row.querySelector('.cb-action-kind').value, queue: row.querySelector('.cb-action-queue').value };
      if (action.kind === 'fulfilment') {
        action.url = row.querySelector('.cb-action-url').value.trim();
        var headerName = row.querySelector('.cb-action-header-name').value.trim();
        if (headerName) action.headers = [{ name: headerName, value: row.querySelector('.cb-action-header-value').value }];
      }
      return action;
    });
    config.fields = Array.prototype.map.call(fields.querySelectorAll('.cb-row'), function (row) {
      return { name: row.querySelector('.cb-field-name').value.trim(), label: row.querySelector('.cb-field-label').value.trim() };
    });
    return config;
  }

  // The form is the source: every change writes the JSON the page posts.
  function write() {
    handEdited = false;
    refreshQueueChoices();
    var ok = check();
    var config = read();
    json.value = JSON.stringify(config, null, 2);
    summary.textContent = ok
      ? config.queues.length + ' queue(s), ' + config.actions.length + ' action(s), ' + config.fields.length + ' field(s): ready to save.'
      : 'Some entries need attention (said under each).';
    return ok;
  }

  function load(config) {
    name.value = config.name || '';
    uuid.value = config.uuid || '';
    queues.textContent = ''; actions.textContent = ''; fields.textContent = '';
    (config.queues || []).forEach(function (q) { addQueue(q); });
    (config.actions || []).forEach(function (a) { addAction(a); });
    (config.fields || []).forEach(function (f) { addField(f); });
    write();
  }

  function addButton(id, text, handler) {
    var button = el('button', { type: 'button', 'class': 'secondary', id: id, text: text });
    button.addEventListener('click', function () { var row = handler(); write(); var first = row.querySelector('input, select'); if (first) first.focus(); });
    return button;
  }

  var newId = el('button', { type: 'button', 'class': 'secondary', id: 'cb-new-uuid', text: 'New UUID' });
  newId.addEventListener('click', function () { uuid.value = newUuid(); write(); });
  root.appendChild(el('div', { 'class': 'cb-head' }, [field('Name', name), field('UUID (your pages load the widget by it)', uuid), newId]));
  root.appendChild(el('h3', { text: 'Queues' }));
  root.appendChild(queues);
  root.appendChild(addButton('cb-add-queue', 'Add a queue', function () { return addQueue(); }));
  root.appendChild(el('h3', { text: 'API actions' }));
  root.appendChild(actions);
  root.appendChild(addButton('cb-add-action', 'Add an action', function () { return addAction(); }));
  root.appendChild(el('h3', { text: 'Pre-chat fields' }));
  root.appendChild(fields);
  root.appendChild(addButton('cb-add-field', 'Add a field', function () { return addField(); }));
  root.appendChild(summary);
  root.addEventListener('input', function () { touched = true; write(); });
  root.addEventListener('change', function () { touched = true; write(); });

  // The JSON view: what the form writes, and a way in for JSON from elsewhere.
  var loadButton = document.getElementById('config-json-load');
  var loadNote = document.getElementById('config-json-note');
  if (loadButton) {
    loadButton.hidden = false;
    loadButton.addEventListener('click', function () {
      try {
        touched = true;
        load(JSON.parse(json.value));
        if (loadNote) loadNote.textContent = 'Loaded into the form.';
      } catch (e) {
        if (loadNote) loadNote.textContent = 'Not JSON the form can read (' + e.message + '): fix it here, or save it as it is and read the server\'s answer.';
      }
    });
  }
  // JSON typed or pasted in the view is saved as it is (the server's answer says what is
  // wrong); otherwise the form saves only a config that passes its own checks.
  var handEdited = false;
  json.addEventListener('input', function () { handEdited = true; });
  form.addEventListener('submit', function (event) {
    if (handEdited) return;
    touched = true;
    if (!check()) {
      event.preventDefault();
      var bad = root.querySelector('[aria-invalid="true"]');
      if (bad) bad.focus();
    }
  });

  // A new config starts from fresh UUIDs, not the example's (which the JSON box shows
  // without JavaScript); an edited or refused one from what the box holds.
  var start = null;
  var unreadable = false;
  if (!('fresh' in root.dataset)) {
    try { start = json.value.trim() ? JSON.parse(json.value) : null; } catch (e) { unreadable = true; }
  }
  if (unreadable) {
    // JSON the server refused and the form cannot read: left as it was, in its open view.
    handEdited = true;
    root.hidden = false;
    return;
  }
  if (start) {
    try {
      load(start);
    } catch (e) {
      // Parsed, but not a config's shape (the server said how): the JSON stays as it was.
      json.value = JSON.stringify(start, null, 2);
      handEdited = true;
      root.hidden = false;
      return;
    }
  } else {
    // A new config starts as most do: one online queue and the start-chat action on it.
    load({ name: '', queues: [{ uuid: newUuid(), name: 'Sales', status: 'ONLINE' }], actions: [], fields: [] });
    var firstQueue = queueOptions()[0];
    addAction({ reference: 'start-chat', kind: 'start_chat', queue: firstQueue.value });
    write();
  }
  root.hidden = false;
  // The JSON view stays open after a refusal: the server's answer points into it.
  if (!('refused' in root.dataset)) document.getElementById('config-json-view').open = false;
})();
