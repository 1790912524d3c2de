#!/usr/bin/python3
"""Sends batches to a collector with stubs made by the README's "Generated clients" command (grpc_tools.protoc).

Run with the generated code on PYTHONPATH. Streams two batches (one Ack each, in order), sends a third with Send,
then sends a batch the collector must refuse (source_id over 256 bytes) and prints one JSON object: the Acks and
the refusal's status code and details.
"""
import argparse
import json

import grpc
from telemetry.v1 import telemetry_pb2, telemetry_pb2_grpc


def batch(source, first, count):
    events = [telemetry_pb2.Event(event_type="THOUGHT_LATENCY", service="python-generated", component="llama3:8b",
                                  value=20.0 + i, tokens_generated=16 + i, severity=telemetry_pb2.SEVERITY_INFO)
              for i in range(count)]
    return telemetry_pb2.EventBatch(source_id=source, first_sequence=first, events=events)


def ack_json(ack):
    return {"accepted": ack.accepted, "duplicates": ack.duplicates, "durable_through": ack.durable_through,
            "rejections": len(ack.rejections)}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--target", required=True, help="HOST:PORT")
    parser.add_argument("--source", required=True)
    parser.add_argument("--events", type=int, default=10, help="events per batch")
    args = parser.parse_args()
    n = args.events
    with grpc.insecure_channel(args.target) as channel:
        stub = telemetry_pb2_grpc.CollectorStub(channel)
        streamed = [ack_json(a) for a in stub.Stream(iter([batch(args.source, 1, n), batch(args.source, n + 1, n)]), timeout=30)]
        sent = ack_json(stub.Send(batch(args.source, 2 * n + 1, n), timeout=30))
        try:
            stub.Send(batch("s" * 300, 1, 1), timeout=30)
            refused = None
        except grpc.RpcError as err:
            refused = {"code": err.code().name, "details": err.details()}
    print(json.dumps({"streamed": streamed, "sent": sent, "refused": refused}), flush=True)


if __name__ == "__main__":
    main()
