"""Row 6 reference: the original Ginkgo's service tree semantics on gevent.

Each service owns a gevent Group (the original's AsyncManager), starts its children in order
then itself, stops them in reverse and kills its greenlets. Prints `name seconds` lines like
the Swift benchmark. Run with Debian's /usr/bin/python3 (python3-gevent).
"""
import sys
import time

import gevent
from gevent.pool import Group


class Service(object):
    def __init__(self):
        self.children = []
        self.greenlets = Group()
        self.state = "init"

    def add_service(self, service):
        self.children.append(service)

    def start(self):
        self.state = "starting"
        for child in self.children:
            if child.state not in ("ready", "starting"):
                child.start()
        self.do_start()
        self.state = "ready"

    def stop(self):
        if self.state in ("init", "stopped"):
            return
        self.state = "stopping"
        for child in reversed(self.children):
            child.stop()
        self.do_stop()
        self.greenlets.kill()
        self.state = "stopped"

    def do_start(self):
        pass

    def do_stop(self):
        pass

    def spawn(self, func):
        return self.greenlets.spawn(func)


def argument(name, default):
    if name in sys.argv:
        return int(sys.argv[sys.argv.index(name) + 1])
    return default


def main():
    services = argument("--services", 10000)
    tasks = argument("--tasks", 100000)
    root = Service()
    branches = 100
    for _ in range(branches):
        middle = Service()
        for _ in range(services // branches - 1):
            middle.add_service(Service())
        root.add_service(middle)
    started = time.perf_counter()
    root.start()
    root.stop()
    print("tree_start_stop %f" % (time.perf_counter() - started))

    owner = Service()
    owner.start()
    started = time.perf_counter()
    handles = [owner.spawn(lambda: None) for _ in range(tasks)]
    gevent.joinall(handles)
    print("spawn_join %f" % (time.perf_counter() - started))
    owner.stop()


if __name__ == "__main__":
    main()
