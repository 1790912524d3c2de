// The stored-telemetry view: what ClickHouse holds, from the query API (a query or admin key).
// Invariants: each panel is a section whose data-source names the endpoint it drew (efficiency, 60day, footprint,
// events); its figures carry data-path into that endpoint's answer, as in the live view. A panel that fails shows
// why (storage not configured, ClickHouse away, key not allowed) and the others still draw.
import { getJson } from './api.js';
import { el, card } from './dom.js';
import { lineChart, legend, barChart } from './charts.js';
import * as fmt from './format.js';

const RawTables = ['events', 'metric_points', 'spans'];
const perToken = v => (v === null || v === undefined ? '–' : `${v.toFixed(2)} ms/token`);

function panel(source, title) {
  const body = el('div', { class: 'panel-body' }, el('p', { class: 'hint' }, 'loading…'));
  const node = card(title, body);
  node.dataset.source = source;
  return { node, body };
}

async function fill(target, path, draw) {
  try {
    const answer = await getJson(path);
    target.body.replaceChildren(...draw(answer));
    target.node.dataset.loaded = 'true';
  } catch (error) {
    target.body.replaceChildren(el('p', { class: 'message', role: 'alert' }, `${path}: ${error.message}`));
    target.node.dataset.loaded = 'error';
  }
}

function efficiency(report) {
  if (report.components.length === 0) {
    return [el('p', { class: 'hint' }, `no ${report.event_type} events in the last ${report.hours} h`)];
  }
  return [
    barChart(report.components.map((c, i) => ({
      label: c.component,
      value: c.efficiency_ms_per_token,
      text: perToken(c.efficiency_ms_per_token),
      path: `components.${i}.efficiency_ms_per_token`,
      colour: (i % 5) + 1,
    }))),
    el('p', { class: 'hint' }, `${report.event_type}, token-weighted, best first; from the ${report.rollup} rollup`),
  ];
}

function sixtyDay(report) {
  // Components with no THOUGHT_LATENCY (no efficiency on any day) have no line to draw.
  const components = [...new Set(report.days.filter(d => d.efficiency_ms_per_token !== null).map(d => d.component))];
  const day = text => Date.parse(`${text}T00:00:00Z`) / 1000;
  const series = components.map(name => ({
    name,
    points: report.days.filter(d => d.component === name).map(d => [day(d.day), d.efficiency_ms_per_token]),
  }));
  const dayText = seconds => new Date(seconds * 1000).toISOString().slice(0, 10);
  // Indexes stay those of the answer (data-path); components without any efficiency have nothing to compare.
  const compared = report.degradation.map((d, i) => [d, i]).filter(([d]) => d.last_week_ms_per_token !== null || d.previous_week_ms_per_token !== null);
  const flags = el('ul', { class: 'flags' }, ...compared.map(([d, i]) => el('li', { class: d.degraded ? 'bad' : 'ok' },
    el('b', {}, d.component), ' last 7 days ',
    el('span', { 'data-path': `degradation.${i}.change_pct`, 'data-value': String(d.change_pct) }, d.change_pct === null ? 'no comparison' : `${d.change_pct > 0 ? '+' : ''}${d.change_pct.toFixed(1)} %`),
    d.degraded ? ' worse: degraded' : '')));
  return [
    lineChart(series, { height: 160, format: v => `${v.toFixed(1)}`, xFormat: dayText }),
    legend(components),
    el('p', { class: 'hint' }, `ms per token by day, ${report.from_day} to ${report.to_day}; flagged when worse by more than ${report.degradation_threshold_pct} %`),
    flags,
  ];
}

function footprint(report) {
  const raw = report.tables.filter(t => RawTables.includes(t.table));
  const index = t => report.tables.indexOf(t);
  return [
    el('h3', {}, `bytes on disk (threshold ${fmt.bytes(report.max_raw_bytes)})`),
    barChart(raw.map(t => ({ label: t.table, value: t.bytes_on_disk, text: fmt.bytes(t.bytes_on_disk), path: `tables.${index(t)}.bytes_on_disk`, threshold: report.max_raw_bytes, colour: 2 }))),
    el('h3', {}, `rows (threshold ${fmt.count(report.max_raw_rows)})`),
    barChart(raw.map(t => ({ label: t.table, value: t.rows, text: fmt.count(t.rows), path: `tables.${index(t)}.rows`, threshold: report.max_raw_rows, colour: 3 }))),
    el('p', { class: 'hint' }, 'all tables: ', el('span', { 'data-path': 'total_bytes_on_disk', 'data-value': String(report.total_bytes_on_disk) }, fmt.bytes(report.total_bytes_on_disk)), ` in ${report.database}`),
    ...report.warnings.map(w => el('p', { class: 'message' }, w)),
  ];
}

const SearchFields = [['event_type', 'event type'], ['component', 'component'], ['service', 'service'], ['q', 'message contains']];
const Columns = [['time', 'time'], ['event_type', 'type'], ['component', 'component'], ['value', 'value'], ['severity', 'severity'], ['service', 'service'], ['message', 'message']];

function search(target) {
  const inputs = SearchFields.map(([name, label]) => el('label', {}, label, el('input', { name, type: 'search', autocomplete: 'off' })));
  const limit = el('select', { name: 'limit' }, ...[20, 50, 100].map(n => el('option', { value: n }, String(n))));
  const form = el('form', { class: 'search', id: 'event-search' }, ...inputs, el('label', {}, 'show', limit), el('button', { type: 'submit' }, 'Search'));
  const results = el('div', { class: 'results', 'data-source': 'events' });
  form.addEventListener('submit', event => {
    event.preventDefault();
    const query = new URLSearchParams();
    for (const [name, value] of new FormData(form)) {
      if (String(value).trim() !== '') {
        query.set(name, String(value).trim());
      }
    }
    results.dataset.query = query.toString();
    fill({ node: results, body: results }, `/telemetry/events?${query}`, answer => page(query, answer, 0));
  });
  target.body.replaceChildren(form, results);
  form.requestSubmit();
}

// One page of results, and below it a button that fetches the next one (the answer's next_cursor) and puts it in
// the button's place, so earlier pages stay on screen. Each page is its own table; data-path indexes stay those of
// the page's own answer, named by data-page.
function page(query, answer, number) {
  const shown = el('div', { class: 'page', 'data-page': String(number) }, table(answer));
  if (!answer.next_cursor) {
    return [shown];
  }
  const more = el('div', { class: 'more' });
  const button = el('button', { type: 'button', class: 'quiet' }, 'Older events');
  button.addEventListener('click', () => {
    const next = new URLSearchParams(query);
    next.set('cursor', answer.next_cursor);
    button.disabled = true;
    fill({ node: more, body: more }, `/telemetry/events?${next}`, nextAnswer => page(query, nextAnswer, number + 1));
  });
  more.append(button);
  return [shown, more];
}

function table(answer) {
  if (answer.events.length === 0) {
    return el('p', { class: 'hint' }, 'no events match');
  }
  return el('table', {},
    el('thead', {}, el('tr', {}, ...Columns.map(([, label]) => el('th', {}, label)))),
    el('tbody', {}, ...answer.events.map((e, i) => el('tr', {},
      ...Columns.map(([name]) => el('td', { 'data-path': `events.${i}.${name}`, 'data-value': String(e[name]) }, name === 'time' ? e.time.replace('T', ' ').slice(0, 23) : fmt.value(e[name])))))));
}

/** Draws every panel into root and loads them in parallel; resolves when all have drawn (or failed). */
export function loadStored(root) {
  const panels = {
    efficiency: panel('efficiency', 'Token-weighted efficiency by model, last 24 h'),
    sixty: panel('60day', '60-day trend'),
    footprint: panel('footprint', 'Storage footprint against its thresholds'),
    events: panel('events-search', 'Event search'),
  };
  root.replaceChildren(el('div', { class: 'grid' }, panels.efficiency.node, panels.sixty.node, panels.footprint.node), panels.events.node);
  search(panels.events);
  return Promise.all([
    fill(panels.efficiency, '/telemetry/efficiency?hours=24', efficiency),
    fill(panels.sixty, '/telemetry/60day', sixtyDay),
    fill(panels.footprint, '/telemetry/footprint', footprint),
  ]);
}
