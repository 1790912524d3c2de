#!/usr/bin/python3
"""A real gRPC peer (Python grpcio) for the collector's interop tests.

Client commands print exactly one JSON object as their last stdout line and
exit 0 even when the call fails: the C# tests assert on the JSON, so a gRPC
error is data ({"code": "<StatusCode name>", "details": "..."}), not a crash.
The server command prints "READY <port>" once listening.

Stubs are generated at start-up from the repo's .proto so the peer can never
drift from the contract the C# side compiles.
"""
import argparse
import json
import math
import os
import sys
import time
from concurrent import futures

import grpc
from google.protobuf import json_format

from serving import compile_protos, serve_until_stopped

STREAM_METHOD = "/telemetry.v1.Collector/Stream"
DENIED_DETAILS = "denied by test peer: ünïcödé 100%"
DEFAULT_PROTO_ROOT = os.path.normpath(
    os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "proto"))

pb = None       # telemetry_pb2, set by load_stubs()
pb_grpc = None  # telemetry_pb2_grpc


def load_stubs(proto_root):
    global pb, pb_grpc
    compile_protos(proto_root, [os.path.join("telemetry", "v1", "telemetry.proto")], "peer-stubs-")
    from telemetry.v1 import telemetry_pb2, telemetry_pb2_grpc
    pb, pb_grpc = telemetry_pb2, telemetry_pb2_grpc


def emit(obj):
    print(json.dumps(obj, ensure_ascii=False), flush=True)


def rpc_error(err):
    # grpc.RpcError raised by a call also implements grpc.Call; code() is a
    # grpc.StatusCode enum whose .name is the canonical upper-case name.
    code = err.code() if hasattr(err, "code") else None
    return {"code": code.name if code else "UNKNOWN",
            "details": (err.details() if hasattr(err, "details") else None) or str(err)}


def make_event(index, n_attrs):
    # ~150 bytes on the wire with the default 3 attributes.
    return pb.Event(
        time_unix_nano=time.time_ns(),
        event_type="INFERENCE",
        component="gemma2:27b",
        value=0.5 + index % 1000,
        status="ok",
        severity=pb.SEVERITY_INFO,
        message="inference completed for prompt #%08d ok" % (index % 10**8),
        service="py-peer",
        tokens_generated=42,
        prompt_tokens=7,
        attributes={"k%d" % k: "value-%d" % k for k in range(n_attrs)},
    )


def make_thought_latency(index):
    # The event TelemetryClient.LogThoughtLatency(model, inferenceTime, 42, 7) sends (EventFactory in
    # src/ClientSdk), with the inference time the SDK benchmark (bench/Sdk) gives event `index`. repr() and
    # .NET's "R" format write these doubles the same way.
    inference_ms = 100.5 + index % 1000
    tokens, prompt = 42, 7
    score = inference_ms / tokens
    return pb.Event(
        time_unix_nano=time.time_ns(),
        event_type="THOUGHT_LATENCY",
        component="gemma2:27b",
        value=score,
        status="ok",
        severity=pb.SEVERITY_INFO,
        service="py-peer",
        tokens_generated=tokens,
        prompt_tokens=prompt,
        attributes={
            "inference_time_ms": repr(inference_ms),
            "tokens_generated": str(tokens),
            "prompt_tokens": str(prompt),
            "total_tokens": str(tokens + prompt),
            "latency_per_token_ms": repr(score),
        },
    )


def percentile(sorted_values, p):
    if not sorted_values:
        return 0.0
    rank = max(1, math.ceil(p / 100.0 * len(sorted_values)))
    return sorted_values[rank - 1]


def cmd_client_stream(args):
    # Serialise everything up front: only the bytes are kept (~30 MB for 200k
    # events) and Python's protobuf cost stays outside the timed section.
    batches, sent = [], 0
    if args.shape == "thought-latency":
        make = make_thought_latency
    else:
        def make(index):
            return make_event(index, args.attrs)
    while sent < args.events:
        count = min(args.batch, args.events - sent)
        first = args.first_sequence + sent if args.first_sequence else 0
        batch = pb.EventBatch(source_id=args.source, first_sequence=first,
                              events=[make(sent + i) for i in range(count)])
        batches.append(batch.SerializeToString())
        sent += count

    send_times = []

    def requests():
        for payload in batches:
            # Stamped when grpcio pulls the message, i.e. as it goes on the wire.
            send_times.append(time.perf_counter())
            yield payload

    result = {"batches_sent": 0, "acks": 0, "accepted": 0, "duplicates": 0,
              "rejected": 0, "durable_through": 0}
    latencies = []
    with grpc.insecure_channel(args.target) as channel:
        # Identity request serializer: the pre-serialised bytes go out as-is.
        call = channel.stream_stream(STREAM_METHOD, request_serializer=None,
                                     response_deserializer=pb.Ack.FromString)
        compression = grpc.Compression.Gzip if args.gzip else None
        start = time.perf_counter()
        try:
            for ack in call(requests(), timeout=args.timeout, compression=compression):
                now = time.perf_counter()
                # Acks are in order, one per batch: ack i answers batch i.
                if result["acks"] < len(send_times):
                    latencies.append((now - send_times[result["acks"]]) * 1000.0)
                result["acks"] += 1
                result["accepted"] += ack.accepted
                result["duplicates"] += ack.duplicates
                result["rejected"] += len(ack.rejections)
                result["durable_through"] = ack.durable_through
        except grpc.RpcError as err:
            result.update(rpc_error(err))
        elapsed = time.perf_counter() - start

    result["batches_sent"] = len(send_times)
    result["elapsed_s"] = round(elapsed, 4)
    result["events_per_s"] = round(args.events / elapsed, 1) if elapsed > 0 else 0.0
    latencies.sort()
    result["ack_latency_ms"] = {
        "p50": round(percentile(latencies, 50), 3),
        "p99": round(percentile(latencies, 99), 3),
        "p999": round(percentile(latencies, 99.9), 3),
        "max": round(latencies[-1], 3) if latencies else 0.0,
    }
    emit(result)


def cmd_client_stream_until_end(args):
    # Batch after batch until the server ends the call, built as grpcio pulls
    # them: a client still sending when the server stops. Prints FLOWING once
    # --flowing-after Acks are in, then every Ack's durable_through and the end.
    result = {"acks": [], "batches_sent": 0}

    def requests():
        first = 1
        while True:
            batch = pb.EventBatch(source_id=args.source, first_sequence=first,
                                  events=[make_event(first + i, 3) for i in range(args.batch)])
            result["batches_sent"] += 1
            yield batch.SerializeToString()
            first += args.batch

    with grpc.insecure_channel(args.target) as channel:
        call = channel.stream_stream(STREAM_METHOD, request_serializer=None,
                                     response_deserializer=pb.Ack.FromString)
        try:
            for ack in call(requests(), timeout=args.timeout):
                result["acks"].append(ack.durable_through)
                if len(result["acks"]) == args.flowing_after:
                    print("FLOWING", flush=True)
            result.update({"code": "OK", "details": ""})
        except grpc.RpcError as err:
            result.update(rpc_error(err))
    emit(result)


INVALID_CASES = {
    "empty-type": lambda e: setattr(e, "event_type", ""),
    "long-component": lambda e: setattr(e, "component", "c" * 300),
    "bad-trace": lambda e: setattr(e, "trace_id", b"\x01" * 5),
    "bad-span": lambda e: setattr(e, "span_id", b"\x02" * 3),
    "nan": lambda e: setattr(e, "value", float("nan")),
    "too-many-attrs": lambda e: e.attributes.update({"a%d" % i: "v" for i in range(129)}),
    "long-message": lambda e: setattr(e, "message", "m" * 70000),
}


def cmd_client_send(args):
    cases = [c.strip() for c in args.invalid.split(",") if c.strip()] if args.invalid else []
    unknown = [c for c in cases if c not in INVALID_CASES]
    if unknown:
        sys.exit("unknown --invalid case(s): %s" % ",".join(unknown))
    # Event 0 stays valid; make sure every requested case has an event to spoil.
    count = max(args.events, len(cases) + 1) if cases else args.events
    events = [make_event(i, 3) for i in range(count)]
    for index, case in enumerate(cases, start=1):
        INVALID_CASES[case](events[index])
    if args.time_zero:
        for event in events:
            event.time_unix_nano = 0
    batch = pb.EventBatch(source_id=args.source, first_sequence=args.first_sequence,
                          events=events)

    with grpc.insecure_channel(args.target) as channel:
        stub = pb_grpc.CollectorStub(channel)
        try:
            ack = stub.Send(batch, timeout=args.timeout)
        except grpc.RpcError as err:
            emit(rpc_error(err))
            return
    # Proto3 JSON mapping: uint64 fields come out as strings; defaults are kept
    # so tests can assert on zero counts.
    out = json_format.MessageToDict(ack, preserving_proto_field_name=True,
                                    including_default_value_fields=True)
    out["code"] = "OK"
    emit(out)


def raw_payload(case):
    if case == "garbage":
        return b"\xff\xff\xff\xff"  # a truncated varint: not a parseable EventBatch
    if case == "empty":
        return b""
    if case == "zeros-64m":
        return bytes(64 * 1024 * 1024)  # gzip makes this about 64 KiB: small on the wire, huge inflated
    if case == "too-large":
        event = pb.Event(time_unix_nano=time.time_ns(), event_type="INFERENCE",
                         component="py-peer", message="x" * (5 * 1024 * 1024))
        return pb.EventBatch(source_id="py-peer-raw", events=[event]).SerializeToString()
    sys.exit("unknown --case %s" % case)


def cmd_client_raw(args):
    payload = raw_payload(args.case)
    # -1 lifts grpcio's own 4 MiB limits so only the server can refuse.
    options = [("grpc.max_send_message_length", -1),
               ("grpc.max_receive_message_length", -1)]
    with grpc.insecure_channel(args.target, options=options) as channel:
        # None serializers mean raw bytes in, raw bytes out.
        call = channel.unary_unary(args.method, request_serializer=None,
                                   response_deserializer=None)
        try:
            compression = grpc.Compression.Gzip if args.gzip else None
            response = call(payload, timeout=args.timeout, compression=compression)
        except grpc.RpcError as err:
            emit(dict(rpc_error(err), request_len=len(payload)))
            return
    emit({"code": "OK", "details": "", "request_len": len(payload),
          "response_len": len(response)})


def read_fields(data):
    """(field number, wire type, value) of a protobuf message: enough of the wire format to read health and
    reflection answers without their .proto files (not ours to ship)."""
    def varint(at):
        value, shift = 0, 0
        while True:
            byte = data[at]
            value |= (byte & 0x7F) << shift
            at += 1
            if byte < 0x80:
                return value, at
            shift += 7
    fields, at = [], 0
    while at < len(data):
        key, at = varint(at)
        number, wire = key >> 3, key & 7
        if wire == 0:
            value, at = varint(at)
        elif wire == 2:
            length, at = varint(at)
            value, at = data[at:at + length], at + length
        else:
            sys.exit("unexpected wire type %d" % wire)
        fields.append((number, wire, value))
    return fields


def key_metadata(args):
    return [("authorization", "Bearer " + args.api_key)] if args.api_key else None


def cmd_client_health(args):
    """grpc.health.v1.Health/Check for the server as a whole (HealthCheckRequest{service: ""} is empty)."""
    with grpc.insecure_channel(args.target) as channel:
        check = channel.unary_unary("/grpc.health.v1.Health/Check", request_serializer=None,
                                    response_deserializer=None)
        try:
            response = check(b"", timeout=args.timeout, metadata=key_metadata(args))
        except grpc.RpcError as err:
            emit(rpc_error(err))
            return
    statuses = {0: "UNKNOWN", 1: "SERVING", 2: "NOT_SERVING", 3: "SERVICE_UNKNOWN"}
    status = next((v for n, w, v in read_fields(response) if n == 1 and w == 0), 0)
    emit({"code": "OK", "status": statuses.get(status, str(status))})


def cmd_client_reflection(args):
    """ServerReflectionInfo with list_services (field 7, empty): the names the server says it serves."""
    method = "/grpc.reflection.%s.ServerReflection/ServerReflectionInfo" % args.version
    with grpc.insecure_channel(args.target) as channel:
        info = channel.stream_stream(method, request_serializer=None, response_deserializer=None)
        try:
            responses = list(info(iter([b"\x3a\x00"]), timeout=args.timeout, metadata=key_metadata(args)))
        except grpc.RpcError as err:
            emit(rpc_error(err))
            return
    names = []
    for response in responses:
        for number, _, listed in read_fields(response):
            if number == 6:  # list_services_response
                for _, _, service in read_fields(listed):
                    names += [v.decode("utf-8") for n, _, v in read_fields(service) if n == 1]
    emit({"code": "OK", "services": names})


def cmd_client_bad_streams(args):
    """Many streams whose first message is not an EventBatch, on one channel (one HTTP/2 connection), while
    one valid stream stays open on the same channel. Each bad stream goes on sending a few good batches
    after its bad one, as a producer that has not yet seen the status would."""
    import queue
    import threading
    from collections import Counter

    good = pb.EventBatch(source_id=args.source + "-bad", events=[make_event(0, 3)]).SerializeToString()

    def bad_requests():
        yield b"\xff\xfe"  # a field with wire type 7: never an EventBatch
        for _ in range(args.extra):
            time.sleep(0.002)
            yield good

    codes, details, lock = Counter(), {}, threading.Lock()

    def one_bad_stream(_):
        try:
            for _ack in call(bad_requests(), timeout=args.timeout):
                pass
            code, detail = "OK", ""
        except grpc.RpcError as err:
            failure = rpc_error(err)
            code, detail = failure["code"], failure["details"]
        with lock:
            codes[code] += 1
            details.setdefault(code, detail)

    valid = {"sent": 0, "acks": 0, "accepted": 0, "code": "OK"}
    outbox = queue.Queue()

    def valid_requests():
        while (payload := outbox.get()) is not None:
            yield payload

    def read_valid():
        try:
            for ack in call(valid_requests(), timeout=args.timeout):
                valid["acks"] += 1
                valid["accepted"] += ack.accepted
        except grpc.RpcError as err:
            valid.update(rpc_error(err))

    def next_valid():
        valid["sent"] += 1
        return pb.EventBatch(source_id=args.source, first_sequence=valid["sent"],
                             events=[make_event(valid["sent"], 3)]).SerializeToString()

    start = time.perf_counter()
    with grpc.insecure_channel(args.target) as channel:
        call = channel.stream_stream(STREAM_METHOD, request_serializer=None,
                                     response_deserializer=pb.Ack.FromString)
        reader = threading.Thread(target=read_valid)
        reader.start()
        outbox.put(next_valid())
        with futures.ThreadPoolExecutor(max_workers=args.concurrency) as pool:
            pending = [pool.submit(one_bad_stream, i) for i in range(args.streams)]
            while not all(f.done() for f in pending):
                time.sleep(0.05)
                outbox.put(next_valid())
        outbox.put(next_valid())
        outbox.put(None)
        reader.join()
    emit({"bad_codes": dict(codes), "bad_details": details, "valid": valid,
          "elapsed_s": round(time.perf_counter() - start, 3)})


class TestCollector:
    """Answers like a trivially durable collector; some source ids trigger failures."""

    def _ack(self, batch, context):
        if batch.source_id == "fail":
            # abort() raises; grpcio percent-encodes the UTF-8 grpc-message itself.
            context.abort(grpc.StatusCode.PERMISSION_DENIED, DENIED_DETAILS)
        if batch.source_id == "slow":
            time.sleep(5)  # longer than the C# client's deadline under test
        n = len(batch.events)
        through = batch.first_sequence + n - 1 if batch.first_sequence and n else 0
        return pb.Ack(source_id=batch.source_id, durable_through=through, accepted=n)

    def Send(self, request, context):
        return self._ack(request, context)

    def Stream(self, request_iterator, context):
        for batch in request_iterator:
            yield self._ack(batch, context)


def cmd_server(args):
    # grpcio decompresses gzip requests on its own; no server option needed.
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=8))
    servicer = TestCollector()
    # The generated helper only needs Send/Stream attributes, not the base class.
    pb_grpc.add_CollectorServicer_to_server(servicer, server)
    serve_until_stopped(server, args.port, "READY", args.ignore_stdin)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--proto-root", default=DEFAULT_PROTO_ROOT)
    sub = parser.add_subparsers(dest="command", required=True)

    def client(name):
        p = sub.add_parser(name)
        p.add_argument("--target", required=True, help="HOST:PORT")
        p.add_argument("--timeout", type=float, default=60.0,
                       help="call deadline in seconds (keeps a hung peer from hanging the test)")
        return p

    p = client("client-stream")
    p.add_argument("--source", required=True)
    p.add_argument("--events", type=int, required=True)
    p.add_argument("--batch", type=int, default=500)
    p.add_argument("--first-sequence", type=int, default=1, help="0 = unsequenced")
    p.add_argument("--gzip", action="store_true")
    p.add_argument("--attrs", type=int, default=3)
    p.add_argument("--shape", choices=["inference", "thought-latency"], default="inference",
                   help="inference: ~150-byte events with --attrs attributes; thought-latency: the events "
                        "the .NET SDK's LogThoughtLatency sends (--attrs ignored)")
    p.set_defaults(func=cmd_client_stream)

    p = client("client-stream-until-end")
    p.add_argument("--source", required=True)
    p.add_argument("--batch", type=int, default=100)
    p.add_argument("--flowing-after", type=int, default=20)
    p.set_defaults(func=cmd_client_stream_until_end)

    p = client("client-send")
    p.add_argument("--source", required=True)
    p.add_argument("--first-sequence", type=int, default=1, help="0 = unsequenced")
    p.add_argument("--events", type=int, default=1)
    p.add_argument("--invalid", default="", help="comma list: " + ",".join(INVALID_CASES))
    p.add_argument("--time-zero", action="store_true")
    p.set_defaults(func=cmd_client_send)

    p = client("client-raw")
    p.add_argument("--method", default="/telemetry.v1.Collector/Send")
    p.add_argument("--case", required=True, choices=["garbage", "too-large", "empty", "zeros-64m"])
    p.add_argument("--gzip", action="store_true")
    p.set_defaults(func=cmd_client_raw)

    p = client("client-health")
    p.add_argument("--api-key", default="")
    p.set_defaults(func=cmd_client_health)

    p = client("client-reflection")
    p.add_argument("--api-key", default="")
    p.add_argument("--version", choices=["v1", "v1alpha"], default="v1")
    p.set_defaults(func=cmd_client_reflection)

    p = client("client-bad-streams")
    p.add_argument("--source", required=True)
    p.add_argument("--streams", type=int, default=3000)
    p.add_argument("--concurrency", type=int, default=16)
    p.add_argument("--extra", type=int, default=2, help="good batches each bad stream sends after its bad one")
    p.set_defaults(func=cmd_client_bad_streams)

    p = sub.add_parser("server")
    p.add_argument("--port", type=int, default=0, help="0 = any free port")
    p.add_argument("--ignore-stdin", action="store_true",
                   help="do not exit when stdin closes (e.g. stdin is /dev/null)")
    p.set_defaults(func=cmd_server)

    args = parser.parse_args()
    if getattr(args, "batch", 1) < 1:
        parser.error("--batch must be >= 1")
    load_stubs(os.path.abspath(args.proto_root))
    args.func(args)


if __name__ == "__main__":
    main()
