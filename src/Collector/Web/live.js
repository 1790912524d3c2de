// The live view: /telemetry/status (admin) or /telemetry/public (anyone), redrawn on every poll.
// Invariants: every figure shows one field of the answer just polled and names it in data-path (a JSON path into that
// answer: "ingest.total.accepted", "consumers.1.lag_bytes"); derived figures (rates) name their inputs in
// data-derived. The view's root carries the answer's uptime_seconds in data-uptime and the previous answer's in
// data-previous-uptime, so a test can find the very answers a drawing came from.
import { el, figure, card } from './dom.js';
import { lineChart, legend, barChart, diskGauge } from './charts.js';
import * as fmt from './format.js';

const Protocols = ['grpc', 'otlp_grpc', 'otlp_http', 'json'];
const Received = t => t.accepted + t.duplicates + t.rejected;
const clock = seconds => fmt.duration(seconds);

function figures(items) {
  const row = el('div', { class: 'figures' });
  for (const [label, path, value, text] of items) {
    const f = figure(label, path);
    fmt.show(f.value, value, text);
    row.append(f.node);
  }
  return row;
}

function derived(label, name, value, text) {
  const f = figure(label, null);
  f.value.removeAttribute('data-path');
  f.value.dataset.derived = name;
  fmt.show(f.value, value, text);
  return f.node;
}

function stamp(root, uptime, previousUptime) {
  root.dataset.uptime = String(uptime);
  root.dataset.previousUptime = previousUptime === null ? '' : String(previousUptime);
}

/** Draws the admin view from one /telemetry/status answer. */
export function renderStatus(root, status, history) {
  const totals = { total: Received(status.ingest.total) };
  for (const p of Protocols) {
    totals[p] = Received(status.ingest[p]);
  }
  const ack = status.ack_latency;
  const { rates, previousUptime } = history.add(status.uptime_seconds, totals, { p50: ack.p50_ms, p95: ack.p95_ms, p99: ack.p99_ms });

  const headline = el('div', { class: 'figures' },
    derived('events/s received', 'rate.total', rates.total, fmt.rate(rates.total)));
  headline.append(...figures([
    ['accepted', 'ingest.total.accepted', status.ingest.total.accepted, fmt.count(status.ingest.total.accepted)],
    ['duplicates', 'ingest.total.duplicates', status.ingest.total.duplicates, fmt.count(status.ingest.total.duplicates)],
    ['rejected', 'ingest.total.rejected', status.ingest.total.rejected, fmt.count(status.ingest.total.rejected)],
    ['sources', 'sources.known', status.sources.known, fmt.count(status.sources.known)],
  ]).children);

  const rateCard = card('Ingest rate by protocol (events/s)',
    lineChart(Protocols.map(p => ({ name: p, points: history.ratePoints(p) })), { format: fmt.axis, xFormat: clock }),
    legend(Protocols),
    el('div', { class: 'figures' }, ...Protocols.map(p => derived(p, `rate.${p}`, rates[p], fmt.rate(rates[p])))));

  const ackCard = card(`Ack latency, last ${ack.window_seconds} s (${fmt.count(ack.acks)} acks)`,
    lineChart(['p50', 'p95', 'p99'].map(q => ({ name: q, points: history.points(q) })), { format: v => fmt.ms(v), xFormat: clock }),
    legend(['p50', 'p95', 'p99']),
    figures([
      ['p50', 'ack_latency.p50_ms', ack.p50_ms, fmt.ms(ack.p50_ms)],
      ['p95', 'ack_latency.p95_ms', ack.p95_ms, fmt.ms(ack.p95_ms)],
      ['p99', 'ack_latency.p99_ms', ack.p99_ms, fmt.ms(ack.p99_ms)],
    ]));

  const consumersCard = card('Log consumers: lag behind the committed log',
    status.consumers.length === 0
      ? el('p', { class: 'hint' }, 'none yet: consumers (dedup checkpoint, ClickHouse batchers, upstream) appear once they have read the log')
      : barChart(status.consumers.map((c, i) => ({ label: c.name, value: c.lag_bytes, text: fmt.bytes(c.lag_bytes), path: `consumers.${i}.lag_bytes`, colour: i + 1 }))));

  const log = status.log;
  const diskCard = card('Disk',
    diskGauge(log.disk_bytes, log.budget_bytes, log.disk_free_bytes),
    el('p', { class: 'hint' }, `${(100 * log.disk_bytes / log.budget_bytes).toFixed(2)} % of the budget; the grey part is the room the disk has left under it`),
    figures([
      ['log on disk', 'log.disk_bytes', log.disk_bytes, fmt.bytes(log.disk_bytes)],
      ['log size', 'log.size_bytes', log.size_bytes, fmt.bytes(log.size_bytes)],
      ['budget', 'log.budget_bytes', log.budget_bytes, fmt.bytes(log.budget_bytes)],
      ['free on disk', 'log.disk_free_bytes', log.disk_free_bytes, fmt.bytes(log.disk_free_bytes)],
    ]),
    el('p', { class: 'hint' }, `oldest kept: ${log.budget_days} days; data dir ${log.data_dir}`));

  root.replaceChildren(headline,
    el('div', { class: 'grid' }, rateCard, ackCard, consumersCard, diskCard, clickHouseCard(status.clickhouse), upstreamCard(status.upstream)));
  stamp(root, status.uptime_seconds, previousUptime);
}

/** A component's card: its state (section[field], true or false) as a pill, then its figures; "not configured" when absent. */
function stateCard(title, section, name, field, okText, badText, items, detail) {
  if (section === null || section === undefined) {
    return card(title, el('p', { class: 'hint', 'data-path': name, 'data-value': 'null' }, 'not configured'));
  }
  const ok = section[field] === true;
  return card(title,
    el('p', {}, el('span', { class: ok ? 'pill ok' : 'pill bad', 'data-path': `${name}.${field}`, 'data-value': String(ok) }, ok ? okText : badText)),
    figures(items),
    detail ? el('p', { class: 'hint' }, detail) : null);
}

function clickHouseCard(ch) {
  return stateCard('ClickHouse', ch, 'clickhouse', 'reachable', 'reachable', 'unreachable', ch ? [
    ['ping', 'clickhouse.ping_ms', ch.ping_ms, fmt.ms(ch.ping_ms)],
    ['rows stored', 'clickhouse.rows_inserted', ch.rows_inserted, fmt.count(ch.rows_inserted)],
    ['lag', 'clickhouse.lag_bytes', ch.lag_bytes, fmt.bytes(ch.lag_bytes)],
    ['failures', 'clickhouse.failures', ch.failures, fmt.count(ch.failures)],
  ] : [], ch ? `${ch.url} · ${ch.database}${ch.last_error ? ` · last error: ${ch.last_error}` : ''}` : null);
}

function upstreamCard(up) {
  const failures = up ? Object.values(up.failures ?? {}).reduce((a, b) => a + b, 0) : 0;
  const last = up?.last_success_unix_ms ? new Date(up.last_success_unix_ms).toISOString().replace('T', ' ').slice(0, 19) + ' UTC' : 'never';
  return stateCard('Upstream', up, 'upstream', 'connected', 'connected', 'not connected', up ? [
    ['forwarded', 'upstream.events_forwarded', up.events_forwarded, fmt.count(up.events_forwarded)],
    ['backlog', 'upstream.backlog_bytes', up.backlog_bytes, fmt.bytes(up.backlog_bytes)],
    ['backlog entries', 'upstream.backlog_entries', up.backlog_entries, fmt.count(up.backlog_entries)],
  ] : [], up ? `${up.target ?? ''} · last success ${last} · ${failures} failures` : null);
}

/** Draws the public view from one /telemetry/public answer: aggregates only, as that endpoint gives them. */
export function renderPublic(root, pub, history) {
  const received = pub.events.accepted + pub.events.duplicates + pub.events.rejected;
  const { rates, previousUptime } = history.add(pub.uptime_seconds, { total: received });
  const storage = pub.storage.enabled ? 'storing' : 'no storage';
  const forwarding = pub.forwarding.enabled ? (pub.forwarding.connected ? 'forwarding' : 'upstream away') : 'no upstream';
  root.replaceChildren(
    el('div', { class: 'figures' },
      derived('events/s received', 'rate.total', rates.total, fmt.rate(rates.total)),
      ...figures([
        ['accepted', 'events.accepted', pub.events.accepted, fmt.count(pub.events.accepted)],
        ['duplicates', 'events.duplicates', pub.events.duplicates, fmt.count(pub.events.duplicates)],
        ['rejected', 'events.rejected', pub.events.rejected, fmt.count(pub.events.rejected)],
        ['sources', 'sources', pub.sources, fmt.count(pub.sources)],
      ]).children),
    el('p', { class: 'hint' }, 'The public figures (/telemetry/public): aggregates that name no source, node or site.'),
    el('div', { class: 'grid' },
      card('Events received per second', lineChart([{ name: 'all', points: history.ratePoints('total') }], { format: fmt.axis, xFormat: clock })),
      card(`Storage and forwarding: ${storage}, ${forwarding}`, figures([
        ['rows stored', 'storage.rows_inserted', pub.storage.rows_inserted, fmt.count(pub.storage.rows_inserted)],
        ['forwarding backlog', 'forwarding.backlog_bytes', pub.forwarding.backlog_bytes, fmt.bytes(pub.forwarding.backlog_bytes)],
      ]))));
  stamp(root, pub.uptime_seconds, previousUptime);
}
