#!/usr/bin/python3
"""A real OTLP/gRPC logs receiver (Python grpcio) for the forwarder's interop tests.

Serves opentelemetry.proto.collector.logs.v1.LogsService/Export on 127.0.0.1,
prints "LISTENING <port>" once ready and appends every stored log record as one
JSON line to the output file. Test knobs: answer UNAVAILABLE (or another code)
to the first K requests, reject the last N records of each request through
partial_success, require a header, serve TLS (and require a client certificate).

Stubs are generated at start-up from the repo's proto/opentelemetry so the
receiver reads exactly what the C# side compiles.
"""
import argparse
import json
import os
import sys
import threading
from concurrent import futures

import grpc

from serving import compile_protos, serve_until_stopped

DEFAULT_PROTO_ROOT = os.path.normpath(
    os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "proto"))
PROTO_FILES = [
    os.path.join("opentelemetry", "proto", "common", "v1", "common.proto"),
    os.path.join("opentelemetry", "proto", "resource", "v1", "resource.proto"),
    os.path.join("opentelemetry", "proto", "logs", "v1", "logs.proto"),
    os.path.join("opentelemetry", "proto", "collector", "logs", "v1", "logs_service.proto"),
]

service_pb = None       # logs_service_pb2, set by load_stubs()
service_grpc = None     # logs_service_pb2_grpc


def load_stubs(proto_root):
    global service_pb, service_grpc
    compile_protos(proto_root, PROTO_FILES, "otlp-stubs-")
    from opentelemetry.proto.collector.logs.v1 import logs_service_pb2, logs_service_pb2_grpc
    service_pb, service_grpc = logs_service_pb2, logs_service_pb2_grpc


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


class Receiver:
    """LogsService: stores records as JSON lines, failing or rejecting as configured."""

    def __init__(self, args):
        self._args = args
        self._lock = threading.Lock()
        self._requests = 0
        self._out = open(args.output, "a", encoding="utf-8")

    def Export(self, request, context):
        with self._lock:
            index = self._requests
            self._requests += 1
            if self._args.require_header:
                name, _, value = self._args.require_header.partition("=")
                if dict(context.invocation_metadata()).get(name.lower()) != value:
                    context.abort(grpc.StatusCode.UNAUTHENTICATED, "missing or wrong %s" % name)
            if index < self._args.fail_first:
                context.abort(getattr(grpc.StatusCode, self._args.fail_code),
                              "test receiver: failing request %d of the first %d"
                              % (index + 1, self._args.fail_first))
            total = sum(len(s.log_records) for r in request.resource_logs for s in r.scope_logs)
            rejected = min(self._args.reject_per_request, total)
            for line in record_lines(request, index, total - rejected):
                self._out.write(json.dumps(line, ensure_ascii=False) + "\n")
            # Written through before the answer, so a test that saw OK finds its lines.
            self._out.flush()
        response = service_pb.ExportLogsServiceResponse()
        if rejected:
            response.partial_success.rejected_log_records = rejected
            response.partial_success.error_message = "test receiver rejected %d records" % rejected
        return response


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--proto-root", default=DEFAULT_PROTO_ROOT)
    parser.add_argument("--port", type=int, default=0, help="0 = any free port")
    parser.add_argument("--output", required=True, help="file the JSON lines are appended to")
    parser.add_argument("--reject-per-request", type=int, default=0,
                        help="answer partial_success rejecting the last N records of each request")
    parser.add_argument("--fail-first", type=int, default=0,
                        help="answer --fail-code to the first K requests (empty ones included)")
    parser.add_argument("--fail-code", default="UNAVAILABLE",
                        choices=[c.name for c in grpc.StatusCode if c != grpc.StatusCode.OK])
    parser.add_argument("--require-header", default="",
                        help="NAME=VALUE every request must carry, else UNAUTHENTICATED")
    parser.add_argument("--ignore-stdin", action="store_true",
                        help="do not exit when stdin closes (e.g. stdin is /dev/null)")
    parser.add_argument("--tls-cert", help="PEM certificate: serve TLS instead of h2c (needs --tls-key)")
    parser.add_argument("--tls-key", help="PEM private key of --tls-cert")
    parser.add_argument("--tls-client-ca", help="PEM CA: with TLS, require a client certificate it signed")
    args = parser.parse_args()
    load_stubs(os.path.abspath(args.proto_root))

    server = grpc.server(futures.ThreadPoolExecutor(max_workers=8))
    service_grpc.add_LogsServiceServicer_to_server(Receiver(args), server)
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
