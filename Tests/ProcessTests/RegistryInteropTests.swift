import Foundation
import Testing

/// The registry protocol (`Stdlib/Discovery/PROTOCOL.md`) spoken by a client nobody here wrote:
/// pyzmq, from Debian's python3-zmq, following only the document.
@Suite(.timeLimit(.minutes(2)))
struct RegistryInteropTests {
    @Test func aPyzmqClientRegistersWatchesAndIsDiscovered() async throws {
        let endpoint = "tcp://127.0.0.1:\(try LoopbackClient.freePort())"
        let registry = try ChildProcess("ginkgo", ["Registry", "--set", "registry.endpoint=\(endpoint)"])
        await registry.expect("registry is ready.")
        let script = """
            import json, sys, zmq
            socket = zmq.Context().socket(zmq.DEALER)
            socket.setsockopt(zmq.LINGER, 0)
            socket.connect(sys.argv[1])
            def receive():
                if socket.poll(10000) == 0:
                    sys.exit("no answer")
                return json.loads(socket.recv())
            def ask(request):
                socket.send(json.dumps(dict(request, v=1)).encode())
                return receive()
            instance = {"name": "py", "id": "py-1", "endpoints": {"http": "http://127.0.0.1:8080"},
                        "tags": ["blue"], "metadata": {"host": "pyhost", "pid": "4242"}, "health": "healthy"}
            print("register", ask({"id": 1, "op": "register", "instance": instance, "ttl_ms": 30000})["ok"])
            print("watch", ask({"id": 2, "op": "watch", "name": "py"})["ok"])
            snapshot = receive()
            print(snapshot["event"], snapshot["seq"], [i["id"] for i in snapshot["instances"]])
            other = dict(instance, id="py-2")
            print("register", ask({"id": 3, "op": "register", "instance": other, "ttl_ms": 30000})["ok"])
            added = receive()
            print(added["event"], added["seq"], added["instance"]["id"])
            bad = ask({"id": 4, "op": "renew", "name": "py", "instance_id": "nope", "ttl_ms": 1000})
            print("renew", bad["ok"], bad["error"]["code"])
            print("deregister", ask({"id": 5, "op": "deregister", "name": "py", "instance_id": "py-2"})["ok"])
            removed = receive()
            print(removed["event"], removed["seq"], removed["instance"]["id"])
            print("list", [i["id"] for i in ask({"id": 6, "op": "list", "name": "py"})["instances"]])
            """
        let peer = try await ChildProcess.run("/usr/bin/python3", ["-c", script, endpoint])
        #expect(peer.status == 0, "\(peer.output)")
        #expect(
            peer.output == """
                register True
                watch True
                snapshot 0 ['py-1']
                register True
                added 1 py-2
                renew False not_registered
                deregister True
                removed 2 py-2
                list ['py-1']

                """,
            "\(peer.output)"
        )
        let found = try await ChildProcess.run(
            "ginkgo",
            ["discover", "py", "--set", "discovery.endpoints=\(endpoint)"]
        )
        #expect(found.output == "py py-1 http=http://127.0.0.1:8080 healthy host=pyhost pid=4242 tags=blue\n")
        registry.signal(SIGTERM)
        await registry.expectCleanExit()
    }
}
