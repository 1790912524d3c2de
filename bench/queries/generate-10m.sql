-- 10,000,000 events spread evenly over the last 60 days, 8 components, 10% LOAD_LATENCY, into an existing
-- collector schema (the materialized views fill the rollups as the rows go in).
INSERT INTO events (source_id, sequence, ts, ts_ns, event_type, component, value, status, severity, message,
    service, correlation_id, tokens_generated, prompt_tokens, attribute_keys, attribute_values, origin, path,
    trust_level, sync_version, trace_id, span_id, node, received_ns, log_address, log_row)
SELECT
    'bench' AS source_id,
    number + 1 AS sequence,
    toDateTime(toUInt32(now()) - intDiv(number * 5184000, 10000000)) AS ts,
    toUInt64(toUInt32(ts)) * 1000000000 AS ts_ns,
    if(number % 10 = 0, 'LOAD_LATENCY', 'THOUGHT_LATENCY') AS event_type,
    concat('model-', toString(number % 8)) AS component,
    (number % 1000) / 10.0 AS value,
    'ok', 3, 'generated', 'bench', '', toUInt32(1 + number % 200), 7, ['k'], ['v'], 'bench', ['bench-node'],
    'verified_company', 0, '', '', 'bench', ts_ns, 0, 0
FROM system.numbers
LIMIT 10000000
