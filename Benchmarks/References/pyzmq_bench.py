"""Rows 3 and 4 reference: the same test as zmq-bench in pyzmq, as its documentation writes it.

    /usr/bin/python3 pyzmq_bench.py pull|push|rep|req ENDPOINT COUNT SIZE

pull prints `rate <msg/s>`; req prints `p50 <µs>` and `p99 <µs>`.
"""
import sys
import time

import zmq


def main():
    mode, endpoint, count, size = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    context = zmq.Context()
    kind = {"pull": zmq.PULL, "push": zmq.PUSH, "rep": zmq.REP, "req": zmq.REQ}[mode]
    socket = context.socket(kind)
    if mode in ("pull", "rep"):
        socket.bind(endpoint)
    else:
        socket.connect(endpoint)
    payload = b"*" * size
    if mode == "pull":
        socket.recv()
        started = time.perf_counter()
        for _ in range(count - 1):
            socket.recv()
        print("rate %f" % ((count - 1) / (time.perf_counter() - started)), flush=True)
    elif mode == "push":
        for _ in range(count):
            socket.send(payload)
    elif mode == "rep":
        for _ in range(count):
            socket.send(socket.recv())
    else:
        trips = []
        for _ in range(count):
            started = time.perf_counter()
            socket.send(payload)
            socket.recv()
            trips.append(time.perf_counter() - started)
        trips.sort()
        print("p50 %f\np99 %f" % (trips[count // 2] * 1e6, trips[count * 99 // 100] * 1e6), flush=True)
    socket.close()
    context.term()


if __name__ == "__main__":
    main()
