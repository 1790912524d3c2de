// The page's start and its loop. Access follows the collector's roles:
//   no keys configured, or an admin key  → the live view from /telemetry/status, and the stored view;
//   a query key                          → the public live view and the stored view;
//   an ingest key                        → the public live view;
//   keys configured, none given          → the public live view and a prompt for a key;
//   a key the collector refuses (401)    → it is forgotten, the prompt says why.
// Invariants: one poll in flight at a time (the next starts 2 s after the last ended), so answers are drawn in order;
// the page never calls an endpoint that needs a key before it has one (a stranger sees no refusal).
import { getJson, allowed, savedKey, saveKey, forgetKey, ApiError } from './api.js';
import { History } from './history.js';
import { renderStatus, renderPublic } from './live.js';
import { loadStored } from './stored.js';
import { duration } from './format.js';

const PollMs = 2000;
const $ = id => document.getElementById(id);

const state = { mode: null, history: new History(), timer: null, storedAllowed: false };

function header(answer, node) {
  const status = $('status');
  status.textContent = answer.status;
  status.className = `pill ${answer.status === 'healthy' ? 'ok' : 'bad'}`;
  status.dataset.value = answer.status;
  $('version').textContent = answer.version;
  $('uptime').textContent = duration(answer.uptime_seconds);
  $('node').textContent = node ? `node ${node.id} (${node.role})` : '';
}

function notice(text) {
  $('notice').hidden = !text;
  $('notice').textContent = text ?? '';
}

function prompt(message) {
  $('key-prompt').hidden = false;
  $('key-message').hidden = !message;
  $('key-message').textContent = message ?? '';
  $('key-input').value = '';
  document.body.dataset.access = message ? 'refused' : 'prompt';
}

function show(view) {
  const stored = view === 'stored';
  $('tab-live').setAttribute('aria-pressed', String(!stored));
  $('tab-stored').setAttribute('aria-pressed', String(stored));
  $('live-view').hidden = stored || state.mode !== 'status';
  $('public-view').hidden = stored || state.mode === 'status';
  $('stored-view').hidden = !stored;
  if (stored) {
    loadStored($('stored-view')).then(() => { $('stored-view').dataset.loaded = 'true'; });
  }
}

/** One poll: draws the answer; reschedules itself. A refusal while polling sends the operator back to the prompt. */
async function poll() {
  try {
    if (state.mode === 'status') {
      const status = await getJson('/telemetry/status');
      header(status, status.node);
      renderStatus($('live-view'), status, state.history);
    } else {
      const pub = await getJson('/telemetry/public', false);
      header(pub, null);
      renderPublic($('public-view'), pub, state.history);
    }
    document.body.dataset.polls = String(Number(document.body.dataset.polls ?? 0) + 1);
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) {
      await start(`The collector refused the key: ${error.message}.`);
      return;
    }
    notice(`Could not reach the collector: ${error.message}. Retrying.`);
  }
  state.timer = setTimeout(poll, PollMs);
}

/** Finds what the saved key (or none) may see, then starts polling. */
async function start(refusal = null) {
  clearTimeout(state.timer);
  state.history = new History();
  notice(null);
  $('key-prompt').hidden = true;
  if (refusal) {
    forgetKey();
  }
  const pub = await getJson('/telemetry/public', false);
  const key = savedKey();
  $('forget-key').hidden = !key;
  state.mode = 'public';
  state.storedAllowed = false;
  if (pub.api_keys_required && !key) {
    prompt(refusal);
  } else {
    await probe(key);
  }
  $('tab-stored').hidden = !state.storedAllowed;
  show('live');
  await poll();
}

async function probe(key) {
  try {
    await getJson('/telemetry/status');
    state.mode = 'status';
    state.storedAllowed = true;
    document.body.dataset.access = key ? 'admin' : 'open';
  } catch (error) {
    if (!(error instanceof ApiError)) {
      throw error;
    }
    if (error.status === 401) {
      prompt(`The collector refused the key: ${error.message}.`);
      forgetKey();
      $('forget-key').hidden = true;
      return;
    }
    // 403: a valid key of another role. /metrics needs the role the query API needs and answers whether or not
    // storage is configured, so it tells whether this key may read stored telemetry.
    state.storedAllowed = await allowed('/metrics');
    document.body.dataset.access = state.storedAllowed ? 'query' : 'ingest';
    notice(state.storedAllowed
      ? 'This key may read stored telemetry; the live internals need an admin key, so the live view shows the public figures.'
      : 'This key may only send telemetry: the page shows the public figures.');
  }
}

$('key-form').addEventListener('submit', event => {
  event.preventDefault();
  saveKey($('key-input').value.trim());
  start();
});
$('forget-key').addEventListener('click', () => {
  forgetKey();
  start();
});
$('tab-live').addEventListener('click', () => show('live'));
$('tab-stored').addEventListener('click', () => show('stored'));

start().catch(error => notice(`Could not reach the collector: ${error.message}`));
