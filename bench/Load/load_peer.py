#!/usr/bin/python3
"""The load tool's Python side: the same load as the .NET client, sent through Debian's python3-grpcio.

Collector.Bench.Load --python-peer starts this script. The C# side builds the batch payload (the encoded
events of one full batch, as EventBatch field 3 each) and passes it in a JSON file, so both clients send the
very same bytes; this script only adds each batch's header (source id, first sequence) and stamps the events'
time. It prints JSON lines on stdout, which the C# side turns into the same progress, summary, chart and
/metrics check:
  {"event": "started"}                        once every channel is connected and sending begins
  {"event": "tick", "sent": ..., ...}         a few times a second: running totals, and the ack latencies and
                                              schedule lags (µs) measured since the previous tick
  {"event": "error", "message": ..., "unacked": n}  a call failed (the stream opens a new one and goes on)
  {"event": "done"}                           every stream has finished
The API key comes in the environment (LOAD_API_KEY), never on the command line.
"""
import argparse
import base64
import collections
import json
import math
import os
import struct
import sys
import threading
import time
import uuid

import grpc

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.normpath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, os.path.join(REPO, "tests", "Interop", "python"))
from serving import compile_protos  # noqa: E402  (needs the path above)

STREAM_METHOD = "/telemetry.v1.Collector/Stream"
TICK_SECONDS = 0.2
RETRY_SECONDS = 0.2
DRAIN_SECONDS = 30.0


def varint(value):
    out = bytearray()
    while value >= 0x80:
        out.append((value & 0x7F) | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)


class Totals:
    """What every stream adds to, under one lock; the main thread reports and resets the latency lists."""

    def __init__(self):
        self.lock = threading.Lock()
        self.sent = self.accepted = self.duplicates = self.rejected = self.acks = 0
        self.latencies_us = []
        self.lags_us = []

    def add_sent(self, count, lag_us):
        with self.lock:
            self.sent += count
            if lag_us is not None:
                self.lags_us.append(lag_us)

    def add_ack(self, latency_us, ack):
        with self.lock:
            self.acks += 1
            self.accepted += ack.accepted
            self.duplicates += ack.duplicates
            self.rejected += len(ack.rejections)
            self.latencies_us.append(latency_us)

    def tick(self):
        with self.lock:
            line = {"event": "tick", "sent": self.sent, "acks": self.acks, "accepted": self.accepted,
                    "duplicates": self.duplicates, "rejected": self.rejected,
                    "latencies_us": self.latencies_us, "lags_us": self.lags_us}
            self.latencies_us, self.lags_us = [], []
        return line


def emit(obj):
    with EMIT_LOCK:
        print(json.dumps(obj), flush=True)


EMIT_LOCK = threading.Lock()


class Schedule:
    """Open loop: when a stream's batch is due, the offered rate growing linearly over the ramp-up (as SendSchedule.cs)."""

    def __init__(self, stream_rate, ramp_up, batch, stagger):
        self.rate, self.ramp, self.offset = stream_rate, ramp_up, stagger * batch / stream_rate

    def due_seconds(self, first_event):
        ramp_events = self.rate * self.ramp / 2
        if first_event >= ramp_events:
            return self.offset + self.ramp + (first_event - ramp_events) / self.rate
        return self.offset + math.sqrt(2 * self.ramp * first_event / self.rate)


class LoadStream:
    def __init__(self, index, channel, args, payload, totals, events, ack_parser, start):
        self.source = ("load-py-%d-%s" % (index, uuid.uuid4().hex)).encode()
        self.channel, self.args, self.totals, self.events = channel, args, totals, events
        self.ack_parser, self.start = ack_parser, start
        self.block = bytearray(payload["block"])
        self.event_ends, self.time_offsets = payload["event_ends"], payload["time_offsets"]
        total = args.connections * args.streams
        self.schedule = Schedule(args.rate / total, args.ramp_up, args.batch, index / total) if args.rate > 0 else None
        self.sent_events = 0

    def elapsed(self):
        return time.perf_counter() - self.start

    def more_to_send(self):
        return (self.events is None or self.sent_events < self.events) and \
            (self.args.duration <= 0 or self.elapsed() < self.args.duration)

    def run(self):
        while self.more_to_send():
            if not self.run_call() and self.more_to_send():
                time.sleep(RETRY_SECONDS)

    def run_call(self):
        in_flight = collections.deque()
        window = threading.Semaphore(self.args.window) if self.schedule is None else None
        failed = threading.Event()

        def requests():
            while self.more_to_send():
                count = min(self.args.batch, (self.events or sys.maxsize) - self.sent_events)
                lag_us = None
                if self.schedule is not None:
                    wait = self.schedule.due_seconds(self.sent_events) - self.elapsed()
                    if wait > 0:
                        time.sleep(wait)
                        if not self.more_to_send():
                            return
                    lag_us = int(max(0.0, -wait) * 1e6)
                if window is not None:
                    while not window.acquire(timeout=0.5):
                        if failed.is_set():
                            return
                now = time.time_ns()
                for offset in self.time_offsets[:count]:
                    struct.pack_into("<Q", self.block, offset, now)
                header = b"\x0a" + varint(len(self.source)) + self.source + b"\x10" + varint(self.sent_events + 1)
                message = header + bytes(self.block[:self.event_ends[count - 1]])
                # Stamped as grpcio takes the message, i.e. as it goes to the wire.
                in_flight.append((time.perf_counter(), count))
                self.sent_events += count
                self.totals.add_sent(count, lag_us)
                yield message

        call = self.channel.stream_stream(STREAM_METHOD, request_serializer=None,
                                          response_deserializer=self.ack_parser)
        metadata = [("authorization", "Bearer " + os.environ["LOAD_API_KEY"])] if os.environ.get("LOAD_API_KEY") else None
        timeout = None if self.args.duration <= 0 else max(0.0, self.args.duration - self.elapsed()) + DRAIN_SECONDS
        try:
            for ack in call(requests(), metadata=metadata, timeout=timeout):
                now = time.perf_counter()
                sent_at, _ = in_flight.popleft()
                if window is not None:
                    window.release()
                self.totals.add_ack(int((now - sent_at) * 1e6), ack)
        except grpc.RpcError as err:
            failed.set()
            code = err.code().name if hasattr(err, "code") and err.code() else "UNKNOWN"
            details = err.details() if hasattr(err, "details") else str(err)
            emit({"event": "error", "message": "stream %s: %s: %s" % (self.source.decode(), code, details),
                  "unacked": sum(count for _, count in in_flight)})
            return False
        if in_flight:
            emit({"event": "error", "message": "stream %s: the call ended with OK before all Acks" % self.source.decode(),
                  "unacked": sum(count for _, count in in_flight)})
            return False
        return True


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--target", required=True, help="host:port")
    parser.add_argument("--connections", type=int, default=1)
    parser.add_argument("--streams", type=int, default=4, help="per connection")
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--rate", type=float, default=0, help="events/s across all streams; 0 = closed loop")
    parser.add_argument("--ramp-up", type=float, default=0)
    parser.add_argument("--window", type=int, default=8)
    parser.add_argument("--duration", type=float, default=0, help="seconds; 0 = until --events are sent")
    parser.add_argument("--events", type=int, default=0, help="in total; 0 = until --duration ends")
    parser.add_argument("--payload", required=True, help="JSON file: block (base64), event_ends, time_offsets")
    args = parser.parse_args()

    compile_protos(os.path.join(REPO, "proto"), [os.path.join("telemetry", "v1", "telemetry.proto")], "load-peer-")
    from telemetry.v1 import telemetry_pb2 as pb

    with open(args.payload, encoding="utf-8") as f:
        payload = json.load(f)
    payload["block"] = base64.b64decode(payload["block"])

    # A channel of its own per connection: a local subchannel pool keeps grpcio from sharing one TCP connection.
    channels = [grpc.insecure_channel(args.target, options=[("grpc.use_local_subchannel_pool", 1)])
                for _ in range(args.connections)]
    for channel in channels:
        grpc.channel_ready_future(channel).result(timeout=10)

    total = args.connections * args.streams
    totals = Totals()
    start = time.perf_counter()
    streams = []
    for i in range(total):
        events = None
        if args.events > 0:
            events = args.events // total + (1 if i < args.events % total else 0)
        streams.append(LoadStream(i, channels[i // args.streams], args, payload, totals, events, pb.Ack.FromString, start))
    emit({"event": "started"})
    threads = [threading.Thread(target=s.run, daemon=True) for s in streams]
    for t in threads:
        t.start()
    while any(t.is_alive() for t in threads):
        time.sleep(TICK_SECONDS)
        emit(totals.tick())
    emit(totals.tick())
    for channel in channels:
        channel.close()
    emit({"event": "done"})


if __name__ == "__main__":
    main()
