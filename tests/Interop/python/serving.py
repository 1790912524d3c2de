"""What peer.py and otlp_receiver.py share: compiling our protos at start, and serving until the test lets go."""
import atexit
import importlib.resources
import os
import shutil
import signal
import sys
import tempfile
import threading

from grpc_tools import protoc


def compile_protos(proto_root, proto_files, prefix):
    """Compiles proto_files (relative to proto_root) with grpc_tools into a temporary directory put first on sys.path."""
    out = tempfile.mkdtemp(prefix=prefix)
    atexit.register(shutil.rmtree, out, True)
    well_known = str(importlib.resources.files("grpc_tools") / "_proto")
    rc = protoc.main(["protoc", "-I" + proto_root, "-I" + well_known,
                      "--python_out=" + out, "--grpc_python_out=" + out]
                     + [os.path.join(proto_root, f) for f in proto_files])
    if rc != 0:
        sys.exit("protoc failed (%d) for proto root %s" % (rc, proto_root))
    # Regular packages all the way down, so an installed package of the same name (a namespace package such
    # as the 'opentelemetry' distribution) cannot shadow or mix with ours.
    for proto in proto_files:
        package = os.path.dirname(proto)
        while package:
            open(os.path.join(out, package, "__init__.py"), "a").close()
            package = os.path.dirname(package)
    sys.path.insert(0, out)


def serve_until_stopped(server, port, ready_word, ignore_stdin, credentials=None):
    """Binds 127.0.0.1:port (TLS with credentials), prints "<ready_word> <port>", and serves until SIGTERM/SIGINT or stdin EOF."""
    address = "127.0.0.1:%d" % port
    bound = server.add_secure_port(address, credentials) if credentials else server.add_insecure_port(address)
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
