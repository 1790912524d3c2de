-- Signal data for the trace and metric read API (bench/queries/signals.sh substitutes SIGNAL_ROWS, 1,000,000 in the
-- full run): SIGNAL_ROWS metric points (50 metrics x 20 series, a point every 10 s: gauges, cumulative sums, delta
-- histograms and delta exponential histograms), SIGNAL_ROWS spans (traces of 10 spans spread over the last 60 days)
-- and SIGNAL_LOG_ROWS log events, 3 per trace, carrying its trace id (trace_index is filled by its views).
INSERT INTO metric_points (source_id, sequence, ts, ts_ns, start_ns, name, kind, temporality, monotonic, value, count,
    sum, has_sum, explicit_bounds, bucket_counts, scale, positive_offset, positive_counts, service, attribute_keys,
    attribute_values, origin, path, trust_level, node, received_ns)
SELECT 'bench-metrics', n + 1, toDateTime(toUInt32(now()) - intDiv(n, 1000) * 10) AS t, toUInt64(toUInt32(t)) * 1000000000,
    toUInt64(toUInt32(now()) - 86400) * 1000000000,
    concat('bench.metric.', toString(n % 50)) AS name, (n % 50) % 4 + 1 AS k, if(k = 2, 2, if(k = 1, 0, 1)), k = 2,
    if(k = 1, (n % 997) / 10.0, toFloat64((SIGNAL_ROWS - n) * (1 + intDiv(n, 50) % 20))),
    if(k >= 3, toUInt64(45), 0), if(k >= 3, 1234.5, 0), k >= 3,
    if(k = 3, [5., 10., 25., 50., 100., 250., 500., 1000.], emptyArrayFloat64()),
    if(k = 3, arrayMap(i -> toUInt64(i % 3 + 3), range(9)), emptyArrayUInt64()),
    3, toInt32(n % 5), if(k = 4, arrayMap(i -> toUInt64(i % 4), range(20)), emptyArrayUInt64()),
    concat('svc-', toString(intDiv(n, 50) % 4)), ['host', 'zone'], [concat('host-', toString(intDiv(n, 50) % 20)), 'z1'],
    'bench', ['bench-node'], 'verified_company', 'bench', 0
FROM (SELECT number AS n FROM system.numbers LIMIT SIGNAL_ROWS);

INSERT INTO spans (source_id, sequence, ts, ts_ns, end_ns, duration_ns, trace_id, span_id, parent_span_id, name, kind,
    status_code, service, attribute_keys, attribute_values, event_ts_ns, event_names, event_attributes, link_trace_ids,
    link_span_ids, link_trace_states, link_attributes, origin, path, trust_level, node, received_ns)
SELECT 'bench-spans', n + 1, toDateTime(toUInt32(now()) - intDiv(intDiv(n, 10) * 5184000, intDiv(SIGNAL_ROWS, 10))) AS t,
    toUInt64(toUInt32(t)) * 1000000000 + (n % 10) * 1000000 AS start, start + 500000, 500000,
    lower(hex(MD5(toString(intDiv(n, 10))))), substring(lower(hex(MD5(toString(n)))), 1, 16),
    if(n % 10 = 0, '', substring(lower(hex(MD5(toString(n - n % 10)))), 1, 16)),
    concat('op-', toString(n % 10)), if(n % 10 = 0, 2, 3), 1, concat('svc-', toString(n % 4)), ['http.method'], ['GET'],
    [start + 1000], ['checkpoint'], ['{"k":"v"}'], [], [], [], [], 'bench', ['bench-node'], 'verified_company', 'bench', 0
FROM (SELECT number AS n FROM system.numbers LIMIT SIGNAL_ROWS);

INSERT INTO events (source_id, sequence, ts, ts_ns, event_type, component, value, status, severity, message, service,
    correlation_id, tokens_generated, prompt_tokens, attribute_keys, attribute_values, origin, path, trust_level,
    sync_version, trace_id, span_id, node, received_ns, log_address, log_row)
SELECT 'bench-trace-logs', n + 1, toDateTime(toUInt32(now()) - intDiv(intDiv(n, 3) * 5184000, intDiv(SIGNAL_ROWS, 10))) AS t,
    toUInt64(toUInt32(t)) * 1000000000 + (n % 3) * 1000000, 'log', concat('svc-', toString(n % 4)), 0, 'ok', 3,
    'a log line in a span', concat('svc-', toString(n % 4)), '', 0, 0, [], [], 'bench', ['bench-node'],
    'verified_company', 0, lower(hex(MD5(toString(intDiv(n, 3))))), substring(lower(hex(MD5(toString(intDiv(n, 3) * 10)))), 1, 16),
    'bench', 0, 0, 0
FROM (SELECT number AS n FROM system.numbers LIMIT SIGNAL_LOG_ROWS);
