"""Row 2 reference: a WSGI hello world on gevent's WSGIServer, without access logging, with
TCP_NODELAY on each connection (as shipped, Nagle's algorithm stalls its responses).

    /usr/bin/python3 gevent_wsgi_hello.py --port PORT
"""
import socket
import sys

from gevent.pywsgi import WSGIServer


def application(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain; charset=utf-8")])
    return [b"Hello World!"]


class NoDelayWSGIServer(WSGIServer):
    def handle(self, connection, address):
        connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        WSGIServer.handle(self, connection, address)


if __name__ == "__main__":
    port = int(sys.argv[sys.argv.index("--port") + 1])
    NoDelayWSGIServer(("127.0.0.1", port), application, log=None, backlog=256).serve_forever()
