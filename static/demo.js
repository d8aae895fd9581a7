/* The /demo page: start a chat through the widget shim and show what the agent would see. */
(function () {
  'use strict';
  var view = document.getElementById('agent-view');
  var rows = document.getElementById('agent-fields');
  var status = document.getElementById('agent-status');

  function cell(text, label, className) {
    var td = document.createElement('td');
    td.textContent = text;
    td.setAttribute('data-label', label);
    if (className) td.className = className;
    return td;
  }

  function provenance(item) {
    if (item.reason) return 'dropped: ' + item.reason.code;
    return {
      signed: 'signed',
      unsigned_allowlisted: 'allowlisted',
      unsigned_not_enforced: 'unsigned (not enforced)',
      report_only: 'accepted (report-only)'
    }[item.source] || item.source;
  }

  document.addEventListener('talkative:verdict', function (event) {
    var verdict = event.detail;
    rows.replaceChildren();
    if (verdict.error) {
      status.textContent = verdict.error.code + ': ' + verdict.error.message;
      view.hidden = false;
      return;
    }
    var signature = verdict.signature;
    status.textContent = 'Signature ' + signature.status +
      (signature.error ? ' (' + signature.error.code + ': ' + signature.error.message + ')' : '') +
      ' · enforcement ' + verdict.enforcement;
    verdict.accepted.concat(verdict.rejected).forEach(function (item) {
      var tr = document.createElement('tr');
      tr.className = item.reason ? 'rejected' : 'accepted';
      tr.append(cell(item.label, 'Label', 'mono'), cell(item.data, 'Data'), cell(provenance(item), 'Provenance'));
      rows.append(tr);
    });
    var link = document.getElementById('agent-link');
    link.href = '/interactions/' + verdict.id;
    view.hidden = false;
  });

  document.getElementById('start-chat').addEventListener('click', function () {
    // Sent exactly as pasted, as a page would hand it to the widget: whitespace around it is
    // refused here as it would be by Talkative (the verdict's hint says so).
    var token = document.getElementById('demo-token').value;
    var unsignedText = document.getElementById('demo-unsigned').value.trim();
    var items = [];
    if (unsignedText) {
      try {
        items = JSON.parse(unsignedText);
      } catch (error) {
        // The last verdict is not this input's: clear it rather than show it beside the error.
        rows.replaceChildren();
        document.getElementById('agent-link').href = '/interactions';
        status.textContent = 'The unsigned data is not JSON: ' + error.message;
        view.hidden = false;
        return;
      }
    }
    window.TalkativeEngageApi.startChat({
      signedInteractionData: token === '' ? undefined : token,
      interactionData: items
    });
  });
})();
