"""Row 7 driver: starts a server command, and measures the time from exec until its PORT accepts
a connection, its resident memory once idle, and with CONNECTIONS idle connections open (each has
received its first line, so its handler runs).

    python3 footprint.py PORT CONNECTIONS -- COMMAND...

Prints `ready_ms`, then `rss_idle_mib` and `rss_connections_mib` (VmRSS), each followed by its
anonymous part (`anon_…`, RssAnon: the memory that is not pages of shared libraries and files).
"""
import socket
import subprocess
import sys
import time


def resident_mib(pid, field="VmRSS"):
    with open("/proc/%d/status" % pid) as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024.0
    raise RuntimeError("no %s for %d" % (field, pid))


def report(name, pid):
    """Resident memory in all, and the anonymous part (what is not pages of shared files)."""
    print("rss_%s_mib %f" % (name, resident_mib(pid)), flush=True)
    print("anon_%s_mib %f" % (name, resident_mib(pid, "RssAnon")), flush=True)


def wait_until_accepting(port, process, deadline):
    while time.perf_counter() < deadline:
        if process.poll() is not None:
            raise RuntimeError("the server exited with %d" % process.returncode)
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.0005)
    raise RuntimeError("the server did not listen on %d" % port)


def main():
    port, connections = int(sys.argv[1]), int(sys.argv[2])
    command = sys.argv[sys.argv.index("--") + 1:]
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_until_accepting(port, process, started + 30)
        print("ready_ms %f" % ((time.perf_counter() - started) * 1000), flush=True)
        time.sleep(1)
        report("idle", process.pid)
        clients = [socket.create_connection(("127.0.0.1", port), timeout=10) for _ in range(connections)]
        for client in clients:
            client.recv(64)
        time.sleep(2)
        report("connections", process.pid)
        for client in clients:
            client.close()
    finally:
        process.terminate()
        process.wait()


if __name__ == "__main__":
    main()
