"""Row 7 reference: the manual's HelloWorldServer (every connection gets "Hello World" once a
second) on gevent's StreamServer, the engine of the Python original.

    /usr/bin/python3 gevent_hello_world_server.py --port PORT
"""
import sys

import gevent
from gevent.server import StreamServer


def handle(connection, address):
    while True:
        connection.sendall(b"Hello World\n")
        gevent.sleep(1)


if __name__ == "__main__":
    port = int(sys.argv[sys.argv.index("--port") + 1])
    StreamServer(("127.0.0.1", port), handle).serve_forever()
