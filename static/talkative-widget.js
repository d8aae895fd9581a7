// The emulator's chat widget: what a page loads with
//   import('http://127.0.0.1:8080/api/ecs/v1/loader/<configUuid>.js?path=…&selectedVersion=…')
// exactly as Talkative's examples load theirs from https://<region>.engage.app. Written from
// Talkative's public documentation (docs/talkative-compat.md lists every surface and its source),
// not from Talkative's code. It reads window.talkativeCustomConfig, fires its lifecycle events,
// defines window.talkativeApi and window.TalkativeEngageApi, shows a small widget, and sends
// everything to the emulator's widget endpoints (/api/ecs/v1), where each arrival of data is
// verified as Talkative would and recorded in the interaction log.

const loader = new URL(import.meta.url);
const origin = loader.origin;
const requested = (loader.pathname.match(/\/loader\/([^/]+)\.js$/) || [])[1] || '';
const startUrl = loader.searchParams.get('path') || window.location.origin + window.location.pathname;
// What a test may ask the emulated widget for: `emulatorFail=qos` makes starts fail the
// connection check (Talkative's qosFail), which a real browser on a real network cannot force.
const forcedFailure = loader.searchParams.get('emulatorFail');
// `emulatorSource=demo` labels this widget's arrivals in the log as the portal's demo page's
// (the older /static/talkative-engage.js sets it there); it changes nothing else.
const sourceHeader = loader.searchParams.get('emulatorSource') === 'demo'
  ? { 'X-Talkative-Emulator-Source': 'demo' }
  : {};
const storageKey = `talkative-emulator:${origin}:${requested}`;
const POLL_MS = 1000;

const state = {
  config: null,
  phase: 'loading', // loading | standby | starting | interaction | feedback | failed
  interaction: null,
  pendingData: [],
  pendingToken: null,
  visible: false,
  available: true,
  poll: null,
};

// Lifecycle callbacks and tracking, from the page's talkativeCustomConfig (read when fired, so
// a page that defines it late still gets later events).
function customConfig() {
  return window.talkativeCustomConfig || {};
}

function fire(name, detail) {
  const handler = (customConfig().events || {})[name];
  track(name, detail);
  if (typeof handler === 'function') {
    try {
      detail === undefined ? handler() : handler(detail);
    } catch (error) {
      console.error(`talkative-emulator: the page's ${name} callback threw`, error);
    }
  }
  document.dispatchEvent(new CustomEvent(`talkative:${name}`, { detail }));
}

// As Talkative's delayed-custom-tracking example reads it: the event's name is the first argument
// (`const event = arguments[0]`); the second carries what the emulator knows besides
// (docs/talkative-compat.md). No feature-suffixed names: no source shows how they are spelled.
function track(event, detail) {
  const tracking = customConfig().customTracking;
  if (typeof tracking === 'function') {
    try {
      tracking(event, { event, detail, interactionUuid: state.interaction && state.interaction.uuid });
    } catch (error) {
      console.error('talkative-emulator: the page\'s customTracking threw', error);
    }
  }
}

async function call(method, path, body) {
  const response = await fetch(origin + path, {
    method,
    headers: body === undefined ? {} : { 'Content-Type': 'application/json', ...sourceHeader },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const answer = await response.json().catch(() => ({}));
  return { status: response.status, answer };
}

function remember(interaction) {
  state.interaction = interaction;
  try {
    if (interaction) sessionStorage.setItem(storageKey, interaction.uuid);
    else sessionStorage.removeItem(storageKey);
  } catch (_) {
    // Storage refused (a sandboxed frame): the interaction just will not survive a reload.
  }
}

function stored() {
  try {
    return sessionStorage.getItem(storageKey);
  } catch (_) {
    return null;
  }
}

// ---- the page-facing API ----------------------------------------------------------------

function presences() {
  return state.config ? state.config.presences.map((p) => ({ queueUuid: p.queueUuid, status: p.status })) : [];
}

function takeStartData() {
  const data = { interactionData: state.pendingData, signedInteractionData: state.pendingToken };
  state.pendingData = [];
  state.pendingToken = null;
  return data;
}

async function start(body) {
  if (state.phase === 'interaction' || state.phase === 'starting') {
    console.warn('talkative-emulator: an interaction is already under way; nothing started');
    return null;
  }
  if (forcedFailure === 'qos') {
    fire('qosFail');
    return null;
  }
  const data = takeStartData();
  const token = body.signedInteractionData || data.signedInteractionData;
  const request = { ...body, configUuid: requested, path: startUrl };
  request.interactionData = data.interactionData.concat(body.interactionData || []);
  // '' means no token (the iOS SDK passes it so): absent, not an empty signature.
  if (token) request.signedInteractionData = token;
  else delete request.signedInteractionData;
  if (!request.interactionData.length) delete request.interactionData;
  state.phase = 'starting';
  render();
  const { status, answer } = await call('POST', '/api/ecs/v1/interactions', request);
  if (status === 201) {
    remember(answer.interaction);
    state.phase = 'interaction';
    render();
    fire('enterInteraction');
    announceVerdict(answer.verdict);
    watch();
    return answer.verdict;
  }
  state.phase = 'standby';
  render();
  const code = answer.error && answer.error.code;
  if (code === 'queue_offline') fire('presenceFail');
  else if (status === 429) fire('rateLimitFail');
  else throw refusal(status, answer);
  return null;
}

function announceVerdict(verdict) {
  if (!verdict) return;
  explainInConsole(verdict);
  document.dispatchEvent(new CustomEvent('talkative:verdict', { detail: verdict }));
}

// Where a web developer looks first: the console. Each problem of an arrival is a warning with
// its code, what happened, the hint and the link to its page in the emulator's log; a clean
// arrival is one info line. (The same verdict is the `talkative:verdict` event's detail.)
function explainInConsole(verdict) {
  const link = `${origin}/interactions/${verdict.id}`;
  const signature = verdict.signature || {};
  const problems = [];
  if (signature.error) {
    problems.push(`${signature.error.code}: the signed data was refused. ${signature.error.message} ` +
      `Hint: ${signature.error.hint}`);
  }
  for (const item of verdict.rejected || []) {
    problems.push(`${item.reason.code}: "${item.name || item.label}" was dropped. ${item.reason.message}`);
  }
  for (const item of verdict.wouldReject || []) {
    problems.push(`${item.reason.code}: "${item.name || item.label}" would be dropped ` +
      `(report-only mode accepted it). ${item.reason.message}`);
  }
  for (const problem of problems) console.warn(`talkative-emulator: ${problem}\n  ${link}`);
  if (!problems.length) {
    const accepted = (verdict.accepted || []).length;
    console.info(`talkative-emulator: ${accepted} item(s) accepted, signature ${signature.status}. ${link}`);
  }
}

async function triggerAction(name) {
  await ready;
  const action = state.config && state.config.actions.find((a) => a.reference === name);
  if (!action) {
    throw new Error(`talkative-emulator: the widget config has no API action "${name}"`);
  }
  if (action.kind === 'fulfilment') return fulfil(name);
  await start({ action: name });
}

// A chatbot fulfilment node reached: the emulator POSTs the interaction to the action's
// receiver and adds its answer's [{name, data}] to the interaction. It runs during an
// interaction, as a chatbot does; an answer that gave nothing is said in the console.
async function fulfil(reference) {
  if (state.phase !== 'interaction' || !state.interaction) {
    throw new Error(`talkative-emulator: "${reference}" is a chatbot fulfilment action: ` +
      'it runs during an interaction, not before one');
  }
  const { status, answer } = await call(
    'POST', `/api/ecs/v1/interactions/${state.interaction.uuid}/fulfilment`, { action: reference });
  if (status !== 200) throw refusal(status, answer);
  if (answer.verdict) announceVerdict(answer.verdict);
  if (!answer.fulfilled && answer.problem) {
    console.warn(`talkative-emulator: the fulfilment "${reference}" gave nothing. ` +
      `${answer.problem.code}: ${answer.problem.message} Hint: ${answer.problem.hint}\n` +
      `  ${origin}/webhooks/deliveries/${answer.deliveryId}`);
  }
  return answer;
}

async function appendInteractionData(items) {
  if (!Array.isArray(items)) throw new TypeError('appendInteractionData takes an array of items');
  if (state.phase !== 'interaction' || !state.interaction) {
    // Before a start: carried by it, as Talkative's examples append from enterStandby.
    state.pendingData = state.pendingData.concat(items);
    return null;
  }
  return send({ interactionData: items });
}

// Data for the interaction under way: one arrival, verified as it comes.
async function send(body) {
  const { status, answer } = await call(
    'POST', `/api/ecs/v1/interactions/${state.interaction.uuid}/interaction-data`, body);
  if (status !== 200) throw refusal(status, answer);
  announceVerdict(answer.verdict);
  return answer.verdict;
}

function refusal(status, answer) {
  const code = answer.error && answer.error.code;
  const error = new Error(answer.error ? `${code}: ${answer.error.message}` : `HTTP ${status}`);
  error.problem = answer.error;
  return error;
}

async function setSignedInteractionData(token) {
  if (state.phase !== 'interaction' || !state.interaction) {
    state.pendingToken = token || null;
    return null;
  }
  if (!token) return null;
  return send({ signedInteractionData: token });
}

function setVisible(visible) {
  if (state.visible === visible || (visible && !state.available)) return;
  state.visible = visible;
  render();
  fire('visibilityChange', { visibility: visible });
}

function setAvailable(available) {
  if (state.available === available) return;
  state.available = available;
  if (!available) state.visible = false;
  render();
  fire('availabilityChange', { isAvailable: available });
}

window.talkativeApi = {
  ui: {
    canShow: () => Boolean(state.config) && state.available,
    isVisible: () => state.visible,
    show: () => setVisible(true),
    hide: () => setVisible(false),
    isAvailable: () => state.available,
    activate: () => setAvailable(true),
    deactivate: () => setAvailable(false),
  },
  actions: { triggerAction },
  queues: { getPresences: presences },
  interaction: {
    // Talkative's scripts guide lists getters here; its public copy is cut short after
    // "getInter…", so these names are the emulator's (docs/talkative-compat.md).
    isInInteraction: () => state.phase === 'interaction',
    getInteractionUuid: () => (state.interaction ? state.interaction.uuid : null),
    getInteractionId: () => (state.interaction ? state.interaction.id : null),
    getInteraction: () => (state.interaction ? { ...state.interaction } : null),
  },
  interactionData: { appendInteractionData, setSignedInteractionData },
};

// The older call styles: the article's startChat({signedInteractionData}), and the iOS SDK's
// startVideo({interactionData, signedInteractionData}) with '' for no token. Each resolves to
// the verdict on what it started with (null when nothing started).
window.TalkativeEngageApi = {
  startChat: (options = {}) => ready.then(() => start({ kind: 'start_chat', ...pick(options) })),
  startVideo: (options = {}) => ready.then(() => start({ kind: 'start_video', ...pick(options) })),
};

function pick(options) {
  const body = {};
  if (options.signedInteractionData) body.signedInteractionData = options.signedInteractionData;
  if (Array.isArray(options.interactionData)) body.interactionData = options.interactionData;
  return body;
}

// For the older /static/talkative-engage.js, which promised a verdict for every startChat:
// starts a chat, or adds the data to the interaction under way as one arrival. Resolves to the
// verdict, or to { error } (also announced) when the emulator refused the data.
let shimCalls = Promise.resolve();
export function startOrAdd(options) {
  // One at a time, in order: a second startChat while the first is connecting adds to it.
  const run = shimCalls.then(() => startOrAddNow(options));
  shimCalls = run.catch(() => {});
  return run;
}

async function startOrAddNow(options) {
  await ready;
  try {
    if (state.phase !== 'interaction' || !state.interaction) {
      return await start({ kind: 'start_chat', ...pick(options) });
    }
    const body = pick(options);
    if (!body.signedInteractionData && !body.interactionData) return null;
    return await send(body);
  } catch (error) {
    if (!error.problem) throw error;
    const refused = { error: error.problem };
    announceVerdict(refused);
    return refused;
  }
}

// ---- following the interaction: the agent's side ends and completes it ----------------------

function watch() {
  clearInterval(state.poll);
  state.poll = setInterval(check, POLL_MS);
}

async function check() {
  if (!state.interaction) return;
  const { status, answer } = await call('GET', `/api/ecs/v1/interactions/${state.interaction.uuid}`);
  if (status === 404) {
    // The emulator no longer has it (reset, or another database): back to standby.
    console.warn(`talkative-emulator: interaction ${state.interaction.uuid} is gone from the emulator; back to standby`);
    clearInterval(state.poll);
    remember(null);
    state.phase = 'standby';
    render();
    fire('enterStandby');
    return;
  }
  if (status !== 200) return;
  state.interaction = answer;
  if (answer.state === 'ended' && state.phase === 'interaction') {
    state.phase = 'feedback';
    render();
    fire('exitInteraction');
  } else if (answer.state === 'completed') {
    if (state.phase === 'interaction') fire('exitInteraction');
    finish();
  }
}

function finish() {
  clearInterval(state.poll);
  remember(null);
  state.phase = 'standby';
  render();
  fire('completeInteraction');
  fire('enterStandby');
}

async function sendFeedback() {
  if (!state.interaction) return;
  await call('POST', `/api/ecs/v1/interactions/${state.interaction.uuid}/feedback`, {});
  finish();
}

// ---- the visible widget: a bubble and a card, in a shadow root so page styles cannot reach it

const host = document.createElement('div');
host.id = 'talkative-emulator-widget';
const shadow = host.attachShadow({ mode: 'open' });
shadow.innerHTML = `<link rel="stylesheet" href="${origin}/static/talkative-widget.css">
<div class="root" part="root">
  <section class="card" part="card" role="dialog" aria-labelledby="title" hidden>
    <h2 id="title">Talkative (emulated)</h2>
    <p id="status" role="status" aria-live="polite"></p>
    <div class="actions" id="actions"></div>
  </section>
  <button class="bubble" part="bubble" type="button" aria-expanded="false">Chat</button>
</div>`;
const ui = {
  root: shadow.querySelector('.root'),
  card: shadow.querySelector('.card'),
  status: shadow.querySelector('#status'),
  actions: shadow.querySelector('#actions'),
  bubble: shadow.querySelector('.bubble'),
};
ui.bubble.addEventListener('click', () => setVisible(!state.visible));

function button(text, onClick) {
  const element = document.createElement('button');
  element.type = 'button';
  element.textContent = text;
  element.addEventListener('click', () => {
    onClick().catch((error) => console.error('talkative-emulator:', error));
  });
  return element;
}

function render() {
  ui.root.hidden = !state.available;
  ui.card.hidden = !state.visible;
  ui.bubble.setAttribute('aria-expanded', String(state.visible));
  ui.actions.replaceChildren();
  switch (state.phase) {
    case 'loading':
      ui.status.textContent = 'Loading…';
      break;
    case 'failed':
      ui.status.textContent = 'This widget config could not be loaded.';
      break;
    case 'starting':
      ui.status.textContent = 'Connecting…';
      break;
    case 'standby': {
      const online = new Set(presences().filter((p) => p.status === 'ONLINE').map((p) => p.queueUuid));
      ui.status.textContent = 'How can we help?';
      for (const action of state.config.actions.filter((a) => a.kind !== 'fulfilment')) {
        const label = `${action.channel === 'video' ? 'Start a video' : 'Start a chat'} (${action.reference})`;
        const element = button(label, () => triggerAction(action.reference));
        if (!online.has(action.queueUuid)) element.title = 'Its queue is offline';
        ui.actions.append(element);
      }
      break;
    }
    case 'interaction':
      ui.status.textContent = `In a ${state.interaction.channel} with an agent (interaction ${state.interaction.id}).`;
      // The chatbot's fulfilment nodes, as buttons a tester can reach them by.
      for (const action of state.config.actions.filter((a) => a.kind === 'fulfilment')) {
        ui.actions.append(button(`Chatbot: ${action.reference}`,
          () => fulfil(action.reference).catch((error) => console.warn(error.message))));
      }
      break;
    case 'feedback':
      ui.status.textContent = 'The agent ended the interaction. How was it?';
      ui.actions.append(button('Send feedback', sendFeedback));
      break;
  }
}

// ---- start-up: config and presences, then ready, then standby or the interaction resumed -----

const ready = (async () => {
  const { status, answer } = await call('GET', `/api/ecs/v1/configs/${requested}`);
  if (status !== 200) {
    state.phase = 'failed';
    console.error(`talkative-emulator: widget config ${requested} was not loaded:`, answer.error || status);
    throw new Error(`widget config ${requested} was not loaded`);
  }
  if (!answer.known) {
    console.warn(`talkative-emulator: the emulator has no widget config ${requested}; using its default config "${answer.name}" (add it, or run with --strict-widget-configs to refuse it)`);
  }
  state.config = answer;
  (document.body || document.documentElement).append(host);
  const resumable = stored();
  let resumed = null;
  if (resumable) {
    const seen = await call('GET', `/api/ecs/v1/interactions/${resumable}`);
    if (seen.status === 200 && seen.answer.state === 'active') resumed = seen.answer;
    else remember(null);
  }
  if (resumed) remember(resumed);
  state.phase = resumed ? 'interaction' : 'standby';
  render();
  fire('ready');
  if (resumed) {
    fire('resumeInteraction');
    watch();
  } else {
    fire('enterStandby');
  }
})();
ready.catch(() => render());

// The article's other way to pass the token: a `:signed-interaction-data` property on the
// Talkative element (Vue's binding; plain HTML writes the attribute without the colon). The
// token is kept for the next start, or sent to the interaction under way. Defined once `ready`
// exists: an element already in the page is upgraded at once, and waits for it.
if (window.customElements && !window.customElements.get('talkative-engage')) {
  window.customElements.define('talkative-engage', class extends HTMLElement {
    static get observedAttributes() { return ['signed-interaction-data', ':signed-interaction-data']; }
    connectedCallback() { this.pass(); }
    attributeChangedCallback() { if (this.isConnected) this.pass(); }
    set signedInteractionData(token) { this.setAttribute('signed-interaction-data', token); }
    get signedInteractionData() { return this.getAttribute('signed-interaction-data'); }
    pass() {
      const token = this.getAttribute('signed-interaction-data') || this.getAttribute(':signed-interaction-data');
      if (!token) return;
      ready.then(() => setSignedInteractionData(token))
        .catch((error) => console.error('talkative-emulator: the element\'s token was refused', error));
    }
  });
}
