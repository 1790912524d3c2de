#!/usr/bin/python3
"""A real OTLP/gRPC receiver (Python grpcio) for the forwarder's interop tests.

Serves LogsService/Export, MetricsService/Export and TraceService/Export
(opentelemetry.proto.collector.*.v1) on 127.0.0.1, prints "LISTENING <port>"
once ready and appends every stored log record, metric data point and span as
one JSON line to its output file (--output, --metrics-output, --traces-output).
Test knobs: answer UNAVAILABLE (or another code) to the first K requests (of one
service with --fail-service), reject the last N items of each request through
partial_success, require a header, serve TLS (and require a client certificate).

Stubs are generated at start-up from the repo's proto/opentelemetry so the
receiver reads exactly what the C# side compiles.
"""
import argparse
import atexit
import json
import os
import re
import shutil
import sys
import tempfile
import threading
from concurrent import futures

import grpc
from google.protobuf import json_format

from serving import compile_protos, serve_until_stopped

DEFAULT_PROTO_ROOT = os.path.normpath(
    os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "proto"))
PROTO_FILES = [
    os.path.join("opentelemetry", "proto", "common", "v1", "common.proto"),
    os.path.join("opentelemetry", "proto", "resource", "v1", "resource.proto"),
    os.path.join("opentelemetry", "proto", "logs", "v1", "logs.proto"),
    os.path.join("opentelemetry", "proto", "collector", "logs", "v1", "logs_service.proto"),
    os.path.join("opentelemetry", "proto", "metrics", "v1", "metrics.proto"),
    os.path.join("opentelemetry", "proto", "collector", "metrics", "v1", "metrics_service.proto"),
    os.path.join("opentelemetry", "proto", "trace", "v1", "trace.proto"),
    os.path.join("opentelemetry", "proto", "collector", "trace", "v1", "trace_service.proto"),
]

# Generated modules, set by load_stubs(): {"logs": (pb2, pb2_grpc), "metrics": ..., "traces": ...}
stubs = {}


def load_stubs(proto_root):
    compile_protos(without_optional(proto_root), PROTO_FILES, "otlp-stubs-")
    from opentelemetry.proto.collector.logs.v1 import logs_service_pb2, logs_service_pb2_grpc
    from opentelemetry.proto.collector.metrics.v1 import metrics_service_pb2, metrics_service_pb2_grpc
    from opentelemetry.proto.collector.trace.v1 import trace_service_pb2, trace_service_pb2_grpc
    stubs["logs"] = (logs_service_pb2, logs_service_pb2_grpc)
    stubs["metrics"] = (metrics_service_pb2, metrics_service_pb2_grpc)
    stubs["traces"] = (trace_service_pb2, trace_service_pb2_grpc)


def without_optional(proto_root):
    """A copy of the proto files with proto3 `optional` labels removed, for Debian's grpc_tools (protoc 3.5, which
    predates them). Same field numbers and types, so the same bytes on the wire; only presence is lost here: a sum,
    min or max of 0 reads as absent, which the tests keep in mind."""
    out = tempfile.mkdtemp(prefix="otlp-protos-")
    atexit.register(shutil.rmtree, out, True)
    for proto in PROTO_FILES:
        os.makedirs(os.path.join(out, os.path.dirname(proto)), exist_ok=True)
        with open(os.path.join(proto_root, proto), encoding="utf-8") as f:
            text = re.sub(r"^(\s*)optional\s+", r"\1", f.read(), flags=re.MULTILINE)
        with open(os.path.join(out, proto), "w", encoding="utf-8") as f:
            f.write(text)
    return out


def as_dict(message):
    """A message as OTLP/JSON-like data with proto field names (64-bit integers as strings, bytes as base64)."""
    return json_format.MessageToDict(message, preserving_proto_field_name=True)


def any_value(value):
    """An AnyValue as plain JSON: bytes as hex, arrays as lists, kvlists as objects."""
    kind = value.WhichOneof("value")
    if kind is None:
        return None
    if kind == "array_value":
        return [any_value(v) for v in value.array_value.values]
    if kind == "kvlist_value":
        return {kv.key: any_value(kv.value) for kv in value.kvlist_value.values}
    if kind == "bytes_value":
        return value.bytes_value.hex()
    return getattr(value, kind)


def any_type(value):
    kind = value.WhichOneof("value")
    return kind[:-len("_value")] if kind else "empty"


def attributes(key_values):
    return ({kv.key: any_value(kv.value) for kv in key_values},
            {kv.key: any_type(kv.value) for kv in key_values})


def record_lines(request, request_index, keep):
    """The first `keep` records of the request, one JSON-ready dict each."""
    lines = []
    for resource_logs in request.resource_logs:
        resource, _ = attributes(resource_logs.resource.attributes)
        for scope_logs in resource_logs.scope_logs:
            for record in scope_logs.log_records:
                if len(lines) == keep:
                    return lines
                attrs, types = attributes(record.attributes)
                lines.append({
                    "request": request_index,
                    "resource": resource,
                    "scope": scope_logs.scope.name,
                    "time_unix_nano": record.time_unix_nano,
                    "observed_time_unix_nano": record.observed_time_unix_nano,
                    "severity_number": record.severity_number,
                    "severity_text": record.severity_text,
                    "body": any_value(record.body),
                    "body_type": any_type(record.body),
                    "attributes": attrs,
                    "attribute_types": types,
                    "dropped_attributes_count": record.dropped_attributes_count,
                    "flags": record.flags,
                    "trace_id": record.trace_id.hex(),
                    "span_id": record.span_id.hex(),
                    "event_name": record.event_name,
                })
    return lines


METRIC_TEMPORALITY = {"sum", "histogram", "exponential_histogram"}


def point_lines(request, request_index, keep):
    """The first `keep` data points of the request, one dict each: where it was (resource, scope, metric) and the point."""
    lines = []
    for resource_metrics in request.resource_metrics:
        resource, _ = attributes(resource_metrics.resource.attributes)
        for scope_metrics in resource_metrics.scope_metrics:
            for metric in scope_metrics.metrics:
                kind = metric.WhichOneof("data")
                data = getattr(metric, kind)
                for point in data.data_points:
                    if len(lines) == keep:
                        return lines
                    attrs, types = attributes(point.attributes)
                    lines.append({
                        "request": request_index,
                        "resource": resource,
                        "scope": as_dict(scope_metrics.scope),
                        "name": metric.name,
                        "description": metric.description,
                        "unit": metric.unit,
                        "kind": kind,
                        "temporality": data.aggregation_temporality if kind in METRIC_TEMPORALITY else 0,
                        "monotonic": data.is_monotonic if kind == "sum" else False,
                        "attributes": attrs,
                        "attribute_types": types,
                        "point": as_dict(point),
                    })
    return lines


def span_lines(request, request_index, keep):
    """The first `keep` spans of the request, one dict each."""
    lines = []
    for resource_spans in request.resource_spans:
        resource, _ = attributes(resource_spans.resource.attributes)
        for scope_spans in resource_spans.scope_spans:
            for span in scope_spans.spans:
                if len(lines) == keep:
                    return lines
                attrs, types = attributes(span.attributes)
                lines.append({
                    "request": request_index,
                    "resource": resource,
                    "scope": as_dict(scope_spans.scope),
                    "attributes": attrs,
                    "attribute_types": types,
                    "span": as_dict(span),
                })
    return lines


def count_logs(request):
    return sum(len(s.log_records) for r in request.resource_logs for s in r.scope_logs)


def count_points(request):
    return sum(len(getattr(m, m.WhichOneof("data")).data_points)
               for r in request.resource_metrics for s in r.scope_metrics for m in s.metrics if m.WhichOneof("data"))


def count_spans(request):
    return sum(len(s.spans) for r in request.resource_spans for s in r.scope_spans)


class Receiver:
    """The three services: each stores its items as JSON lines, failing or rejecting as configured."""

    def __init__(self, args):
        self._args = args
        self._lock = threading.Lock()
        self._requests = 0
        self._failable = 0
        self._outs = {
            "logs": open(args.output, "a", encoding="utf-8"),
            "metrics": open(args.metrics_output or args.output + ".metrics", "a", encoding="utf-8"),
            "traces": open(args.traces_output or args.output + ".traces", "a", encoding="utf-8"),
        }

    def export(self, signal, request, context, count, lines, set_rejected):
        with self._lock:
            index = self._requests
            self._requests += 1
            if self._args.require_header:
                name, _, value = self._args.require_header.partition("=")
                if dict(context.invocation_metadata()).get(name.lower()) != value:
                    context.abort(grpc.StatusCode.UNAUTHENTICATED, "missing or wrong %s" % name)
            if self._args.fail_service in ("all", signal):
                failable = self._failable
                self._failable += 1
                if failable < self._args.fail_first:
                    context.abort(getattr(grpc.StatusCode, self._args.fail_code),
                                  "test receiver: failing %s request %d of the first %d"
                                  % (signal, failable + 1, self._args.fail_first))
            total = count(request)
            rejected = min(self._args.reject_per_request, total)
            out = self._outs[signal]
            for line in lines(request, index, total - rejected):
                out.write(json.dumps(line, ensure_ascii=False) + "\n")
            # Written through before the answer, so a test that saw OK finds its lines.
            out.flush()
        response = getattr(stubs[signal][0], RESPONSES[signal])()
        if rejected:
            set_rejected(response.partial_success, rejected)
            response.partial_success.error_message = "test receiver rejected %d %s" % (rejected, ITEMS[signal])
        return response


RESPONSES = {"logs": "ExportLogsServiceResponse", "metrics": "ExportMetricsServiceResponse",
             "traces": "ExportTraceServiceResponse"}
ITEMS = {"logs": "records", "metrics": "data points", "traces": "spans"}


class Service:
    """One of the three Export services over the shared Receiver: how to count, write and reject its items."""

    def __init__(self, receiver, signal, count, lines, rejected_field):
        self._receiver = receiver
        self._signal = signal
        self._count = count
        self._lines = lines
        self._rejected_field = rejected_field

    def Export(self, request, context):
        return self._receiver.export(self._signal, request, context, self._count, self._lines,
                                     lambda p, n: setattr(p, self._rejected_field, n))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--proto-root", default=DEFAULT_PROTO_ROOT)
    parser.add_argument("--port", type=int, default=0, help="0 = any free port")
    parser.add_argument("--output", required=True, help="file the log records' JSON lines are appended to")
    parser.add_argument("--metrics-output", help="file for the data points' JSON lines (default: OUTPUT.metrics)")
    parser.add_argument("--traces-output", help="file for the spans' JSON lines (default: OUTPUT.traces)")
    parser.add_argument("--reject-per-request", type=int, default=0,
                        help="answer partial_success rejecting the last N items of each request")
    parser.add_argument("--fail-first", type=int, default=0,
                        help="answer --fail-code to the first K requests (empty ones included)")
    parser.add_argument("--fail-service", default="all", choices=["all", "logs", "metrics", "traces"],
                        help="which service's requests --fail-first counts and fails")
    parser.add_argument("--fail-code", default="UNAVAILABLE",
                        choices=[c.name for c in grpc.StatusCode if c != grpc.StatusCode.OK])
    parser.add_argument("--require-header", default="",
                        help="NAME=VALUE every request must carry, else UNAUTHENTICATED")
    parser.add_argument("--ignore-stdin", action="store_true",
                        help="do not exit when stdin closes (e.g. stdin is /dev/null)")
    parser.add_argument("--services", default="logs,metrics,traces",
                        help="the Export services served; the others answer UNIMPLEMENTED (a logs-only endpoint: logs)")
    parser.add_argument("--tls-cert", help="PEM certificate: serve TLS instead of h2c (needs --tls-key)")
    parser.add_argument("--tls-key", help="PEM private key of --tls-cert")
    parser.add_argument("--tls-client-ca", help="PEM CA: with TLS, require a client certificate it signed")
    args = parser.parse_args()
    load_stubs(os.path.abspath(args.proto_root))

    server = grpc.server(futures.ThreadPoolExecutor(max_workers=8))
    receiver = Receiver(args)
    served = set(args.services.split(","))
    if "logs" in served:
        stubs["logs"][1].add_LogsServiceServicer_to_server(
            Service(receiver, "logs", count_logs, record_lines, "rejected_log_records"), server)
    if "metrics" in served:
        stubs["metrics"][1].add_MetricsServiceServicer_to_server(
            Service(receiver, "metrics", count_points, point_lines, "rejected_data_points"), server)
    if "traces" in served:
        stubs["traces"][1].add_TraceServiceServicer_to_server(
            Service(receiver, "traces", count_spans, span_lines, "rejected_spans"), server)
    serve_until_stopped(server, args.port, "LISTENING", args.ignore_stdin, tls_credentials(args))


def tls_credentials(args):
    if not args.tls_cert:
        return None
    with open(args.tls_cert, "rb") as f:
        cert = f.read()
    with open(args.tls_key, "rb") as f:
        key = f.read()
    client_ca = None
    if args.tls_client_ca:
        with open(args.tls_client_ca, "rb") as f:
            client_ca = f.read()
    return grpc.ssl_server_credentials([(key, cert)], root_certificates=client_ca,
                                       require_client_auth=client_ca is not None)


if __name__ == "__main__":
    main()
