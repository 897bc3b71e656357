import Foundation
import Ginkgo
import GinkgoStdlib
import Testing

/// The bus and work-queue protocols (`Stdlib/Messaging/PROTOCOL.md`) spoken by peers nobody here
/// wrote: pyzmq, from Debian's python3-zmq, following only the document.
@Suite(.timeLimit(.minutes(2)))
struct MessagingInteropTests {
    @Test func aPyzmqWorkerDoesJobsForAWorkQueue() async throws {
        try await withInProcessRegistry { registry, _ in
            let port = try LoopbackClient.freePort()
            let script = """
                import json, sys, zmq
                context = zmq.Context()
                socket = context.socket(zmq.ROUTER)
                socket.bind("tcp://127.0.0.1:" + sys.argv[1])
                print("ready", flush=True)
                done = set()  # job ids: a job handed on after a stall may come twice
                while len(done) < 3:
                    if socket.poll(60000) == 0:
                        sys.exit("no job")
                    peer, header, payload = socket.recv_multipart()
                    header = json.loads(header)
                    if header["kind"] == "heartbeat":
                        reply = {"v": 1, "kind": "heartbeat", "id": header["id"]}
                        socket.send_multipart([peer, json.dumps(reply).encode(), b'{"capacity": 2}'])
                    elif header["kind"] == "job" and header["method"] == "upper":
                        output = json.dumps(json.loads(payload).upper()).encode()
                        socket.send_multipart([peer, json.dumps({"v": 1, "kind": "ack", "id": header["id"]}).encode(), output])
                        done.add(header["id"])
                # Exiting without terminating the context would drop what is not sent yet: the last ack.
                socket.close(linger=10000)
                context.term()
                print("acknowledged", len(done), flush=True)
                """
            let worker = try ChildProcess("/usr/bin/python3", ["-c", script, String(port)])
            await worker.expect("ready")
            let settings = try Settings(overrides: [
                "discovery.endpoints": registry, "announce.id": "py", "jobs.heartbeat": "100ms",
            ])
            let announcer = Announcer(name: "jobs", endpoints: ["jobs": "tcp://127.0.0.1:\(port)"], tags: ["job:upper"])
            announcer.settings = settings
            try await announcer.start()
            let queue = WorkQueue()
            queue.settings = settings
            try await queue.start()
            for word in ["tea", "cake", "jam"] {
                // A job has no deadline of its own: bounded here, a lost job fails the test
                // with a message instead of hanging it.
                let receipt = try await withTimeout(.seconds(45)) { try await queue.submit("upper", input: word) }
                #expect(receipt.worker == "py")
                #expect(try receipt.output(as: String.self) == word.uppercased())
            }
            await worker.expect("acknowledged 3")
            await queue.stop()
            await announcer.stop()
        }
    }

    @Test func aPyzmqPublisherReachesABusSubscriber() async throws {
        try await withInProcessBus { proxy, bus, _ in
            let notes = try bus.subscribe("py", as: [String: Int].self)
            // Publish/subscribe: the publisher repeats until the subscription has reached it.
            let script = """
                import json, sys, time, zmq
                socket = zmq.Context().socket(zmq.PUB)
                socket.connect(sys.argv[1])
                header = {"v": 1, "kind": "publish", "id": "py-1", "topic": "py"}
                for _ in range(1500):
                    socket.send_multipart([b"py", json.dumps(header).encode(), b'{"n": 42}'])
                    time.sleep(0.02)
                """
            let publisher = try ChildProcess(
                "/usr/bin/python3",
                ["-c", script, try #require(proxy.endpoints?.publish)]
            )
            var received = notes.makeAsyncIterator()
            let note = try #require(try await received.next())
            #expect(note.id == "py-1" && note.value == ["n": 42])
            publisher.signal(SIGKILL)
            _ = await publisher.exitStatus()
        }
    }
}
