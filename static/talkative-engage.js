/*
 * talkative-emulator's older widget entry point, kept so pages written for it keep working:
 * a thin alias of the emulated widget (what the loader serves).
 *
 *   <script src="http://127.0.0.1:8080/static/talkative-engage.js"></script>
 *   TalkativeEngageApi.startChat({ signedInteractionData: token, interactionData: [...] })
 *   talkativeApi.interactionData.appendInteractionData([{ name, label, data, type }])
 *   talkativeApi.interactionData.setSignedInteractionData(token)
 *   <talkative-engage signed-interaction-data="..."></talkative-engage>
 *
 * It loads the widget for the config named by data-config (the emulator's default config when
 * absent), so a start is an interaction the portal can end and complete, and the rest of
 * talkativeApi is the widget's. It keeps the promises it always made: data set through
 * talkativeApi.interactionData waits for the next startChat; every startChat resolves to the
 * emulator's verdict (or to { error } when the data was refused) and dispatches a
 * `talkative:verdict` event on document; a startChat during an interaction adds its data to it
 * (one arrival, one verdict). data-source="demo" only labels the log (the portal's demo page
 * sets it); data-endpoint, if set, names the emulator by its origin.
 */
(function () {
  'use strict';
  var DEFAULT_CONFIG = '00000000-0000-4000-8000-000000000001';
  var script = document.currentScript;
  var dataset = (script && script.dataset) || {};
  var origin = dataset.endpoint
    ? new URL(dataset.endpoint, window.location.href).origin
    : script && script.src ? new URL(script.src).origin : window.location.origin;
  var loaderUrl = new URL('/api/ecs/v1/loader/' + (dataset.config || DEFAULT_CONFIG) + '.js', origin);
  if (dataset.source === 'demo') loaderUrl.searchParams.set('emulatorSource', 'demo');

  var pending = { signed: null, items: [] };
  var interactionData = {
    appendInteractionData: function (items) {
      pending.items = pending.items.concat(Array.isArray(items) ? items : [items]);
    },
    setSignedInteractionData: function (token) {
      pending.signed = token;
    }
  };

  var widget = import(loaderUrl.href).then(function (module) {
    // The widget defined talkativeApi and TalkativeEngageApi as it ran; the alias keeps its
    // own interactionData and startChat in front of them.
    window.talkativeApi = Object.assign({}, window.talkativeApi, { interactionData: interactionData });
    window.TalkativeEngageApi = Object.assign({}, window.TalkativeEngageApi, { startChat: startChat });
    return module;
  }, function (error) {
    console.error('talkative-emulator: the widget did not load from ' + loaderUrl.href, error);
    throw error;
  });

  function startChat(options) {
    options = options || {};
    var data = {
      signedInteractionData: options.signedInteractionData !== undefined
        ? options.signedInteractionData
        : pending.signed,
      interactionData: pending.items.concat(options.interactionData || [])
    };
    pending = { signed: null, items: [] };
    return widget.then(function (module) { return module.startOrAdd(data); });
  }

  window.talkativeApi = { interactionData: interactionData };
  window.TalkativeEngageApi = { startChat: startChat };

  if (window.customElements && !window.customElements.get('talkative-engage')) {
    window.customElements.define('talkative-engage', class extends HTMLElement {
      static get observedAttributes() { return ['signed-interaction-data']; }
      connectedCallback() { this.start(); }
      attributeChangedCallback() { if (this.isConnected) this.start(); }
      start() {
        var token = this.getAttribute('signed-interaction-data');
        if (token) startChat({ signedInteractionData: token });
      }
    });
  }
})();
