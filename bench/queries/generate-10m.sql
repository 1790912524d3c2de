-- 10,000,000 events spread evenly over the last 60 days, 8 components, 10% LOAD_LATENCY, into an existing
-- collector schema (the materialized views fill the rollups as the rows go in). For the raw read API: each row has
-- its own log place (log_id 'bench', log_address = its number), 50 origins, a correlation id shared by 4 neighbours,
-- 1 % at severity ERROR and 1 in 10,000 with the message 'Timeout talking to upstream'.
INSERT INTO events (source_id, sequence, ts, ts_ns, event_type, component, value, status, severity, message,
    service, correlation_id, tokens_generated, prompt_tokens, attribute_keys, attribute_values, origin, path,
    trust_level, sync_version, trace_id, span_id, node, received_ns, log_address, log_row, log_id)
SELECT
    'bench' AS source_id,
    number + 1 AS sequence,
    toDateTime(toUInt32(now()) - intDiv(number * 5184000, 10000000)) AS ts,
    toUInt64(toUInt32(ts)) * 1000000000 AS ts_ns,
    if(number % 10 = 0, 'LOAD_LATENCY', 'THOUGHT_LATENCY') AS event_type,
    concat('model-', toString(number % 8)) AS component,
    (number % 1000) / 10.0 AS value,
    'ok', if(number % 100 = 0, 5, 3), if(number % 10000 = 0, 'Timeout talking to upstream', 'generated'), 'bench',
    concat('req-', toString(intDiv(number, 4))), toUInt32(1 + number % 200), 7, ['k'], ['v'],
    concat('device:', toString(number % 50)), ['bench-node'],
    'verified_company', 0, '', '', 'bench', ts_ns, number, 0, 'bench'
FROM system.numbers
LIMIT 10000000
