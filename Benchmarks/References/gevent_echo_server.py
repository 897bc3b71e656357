"""Row 1 reference: an echo server on gevent's StreamServer (the Python original's engine), as
gevent's documentation writes one, with TCP_NODELAY on each connection.

    /usr/bin/python3 gevent_echo_server.py --port PORT
"""
import socket
import sys

from gevent.server import StreamServer


def echo(connection, address):
    connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    while True:
        data = connection.recv(65536)
        if not data:
            break
        connection.sendall(data)


if __name__ == "__main__":
    port = int(sys.argv[sys.argv.index("--port") + 1])
    StreamServer(("127.0.0.1", port), echo, backlog=256).serve_forever()
