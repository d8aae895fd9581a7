/*
 * talkative-emulator widget shim: the parts of Talkative's chat widget API that carry
 * interaction data, sending what the real widget would send to the emulator's verify endpoint.
 *
 *   <script src="http://127.0.0.1:8080/static/talkative-engage.js"></script>
 *   TalkativeEngageApi.startChat({ signedInteractionData: token, interactionData: [...] })
 *   talkativeApi.interactionData.appendInteractionData([{ label, data, type }])
 *   talkativeApi.interactionData.setSignedInteractionData(token)
 *   <talkative-engage signed-interaction-data="..."></talkative-engage>
 *
 * Every start resolves to the emulator's verdict and dispatches a `talkative:verdict` event on
 * document (detail = verdict). Set data-endpoint on the script tag to verify elsewhere.
 * Requests carry X-Talkative-Emulator-Source: widget, which only labels them in the log.
 */
(function () {
  'use strict';
  var script = document.currentScript;
  var origin = script && script.src ? new URL(script.src).origin : window.location.origin;
  var endpoint = (script && script.dataset.endpoint) || origin + '/api/v1/verify';
  // Names the caller in the emulator's interaction log: the demo page sets data-source="demo".
  var source = script && script.dataset.source === 'demo' ? 'demo' : 'widget';
  var pending = { signed: null, items: [] };

  function send(signed, items) {
    var body = {};
    if (signed !== null && signed !== undefined) body.signedInteractionData = String(signed);
    if (items.length) body.interactionData = items;
    return fetch(endpoint, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-Talkative-Emulator-Source': source },
      body: JSON.stringify(body)
    })
      .then(function (response) { return response.json(); })
      .then(function (verdict) {
        document.dispatchEvent(new CustomEvent('talkative:verdict', { detail: verdict }));
        return verdict;
      });
  }

  window.TalkativeEngageApi = {
    startChat: function (options) {
      options = options || {};
      var signed = options.signedInteractionData !== undefined
        ? options.signedInteractionData
        : pending.signed;
      var items = pending.items.concat(options.interactionData || []);
      pending = { signed: null, items: [] };
      return send(signed, items);
    }
  };

  window.talkativeApi = {
    interactionData: {
      appendInteractionData: function (items) {
        pending.items = pending.items.concat(Array.isArray(items) ? items : [items]);
      },
      setSignedInteractionData: function (token) {
        pending.signed = token;
      }
    }
  };

  if (window.customElements && !window.customElements.get('talkative-engage')) {
    window.customElements.define('talkative-engage', class extends HTMLElement {
      static get observedAttributes() { return ['signed-interaction-data']; }
      connectedCallback() { this.start(); }
      attributeChangedCallback() { if (this.isConnected) this.start(); }
      start() {
        var token = this.getAttribute('signed-interaction-data');
        if (token) window.TalkativeEngageApi.startChat({ signedInteractionData: token });
      }
    });
  }
})();
