"""Runs a test gRPC server until the test lets go of it (shared by peer.py and otlp_receiver.py)."""
import os
import signal
import sys
import threading


def serve_until_stopped(server, port, ready_word, ignore_stdin):
    """Binds 127.0.0.1:port, prints "<ready_word> <port>", and serves until SIGTERM/SIGINT or stdin EOF."""
    bound = server.add_insecure_port("127.0.0.1:%d" % port)
    if bound == 0:
        sys.exit("could not bind 127.0.0.1:%d" % port)
    server.start()
    print("%s %d" % (ready_word, bound), flush=True)

    def stop(*_):
        server.stop(0)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    if not ignore_stdin:
        # The test owns our stdin; EOF (the test ended or died without signalling us) stops us. Raw os.read:
        # a daemon thread parked in sys.stdin's buffered reader makes interpreter shutdown abort.
        def watch_stdin():
            while os.read(sys.stdin.fileno(), 4096):
                pass
            stop()
        threading.Thread(target=watch_stdin, daemon=True).start()
    # Runs in the main thread but wakes periodically, so signals are handled.
    server.wait_for_termination()
