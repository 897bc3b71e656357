import Ginkgo
import GinkgoZeroMQ
import Testing

/// Swift services talking ZMTP with pyzmq (Debian's python3-zmq) in a child process.
@Suite(.timeLimit(.minutes(1)), .enabled(if: PythonPeer.hasPyzmq))
struct InteropTests {
    @Test func pythonREQTalksToTheSwiftReplier() async throws {
        let replier = Replier(.bind("tcp://127.0.0.1:*")) { request in
            Message(strings: ["echo"] + request.strings)
        }
        try await replier.withRunning {
            let peer = try PythonPeer(
                """
                import sys, zmq
                req = zmq.Context.instance().socket(zmq.REQ)
                req.connect(sys.argv[1])
                for n in range(3):
                    req.send_multipart([b"ping", str(n).encode()])
                    print(b" ".join(req.recv_multipart()).decode())
                """,
                arguments: [replier.endpoints[0]]
            )
            defer { peer.stop() }
            #expect(try await peer.line() == "echo ping 0")
            #expect(try await peer.line() == "echo ping 1")
            #expect(try await peer.line() == "echo ping 2")
            #expect(await peer.exitStatus() == 0)
        }
    }

    @Test func swiftSubscriberReceivesAPythonPublisher() async throws {
        let peer = try PythonPeer(
            """
            import time, zmq
            pub = zmq.Context.instance().socket(zmq.PUB)
            port = pub.bind_to_random_port("tcp://127.0.0.1")
            print(port)
            n = 0
            while True:
                n += 1
                pub.send_multipart([b"tick", str(n).encode()])
                pub.send_multipart([b"tock", b"filtered"])
                time.sleep(0.005)
            """
        )
        defer { peer.stop() }
        let port = try await peer.line()
        let inbox = Inbox()
        let subscriber = Subscriber(.connect(Endpoint("tcp://127.0.0.1:\(port)")), topics: ["tick"]) { inbox.add($0) }
        try await subscriber.withRunning {
            await inbox.wait(for: 5)
        }
        let messages = inbox.messages
        #expect(messages.allSatisfy { $0.count == 2 && $0[0].string == "tick" })
        let counters = messages.compactMap { Int($0[1].string) }
        #expect(counters == counters.sorted())
    }

    @Test func pythonPULLReceivesFromASwiftPusher() async throws {
        let pusher = Pusher(.bind("tcp://127.0.0.1:*"))
        try await pusher.withRunning {
            let peer = try PythonPeer(
                """
                import sys, zmq
                pull = zmq.Context.instance().socket(zmq.PULL)
                pull.connect(sys.argv[1])
                frames = [pull.recv_multipart() for _ in range(1000)]
                print(len(frames), frames[0][0].decode(), frames[-1][1].decode(), len(frames[0][2]))
                """,
                arguments: [pusher.endpoints[0]]
            )
            defer { peer.stop() }
            let big = Frame([UInt8](repeating: 9, count: 100_000))
            try await pusher.push(contentsOf: (0..<1000).map { Message(frames: ["job", Frame(String($0)), big]) })
            #expect(try await peer.line() == "1000 job 999 100000")
        }
    }

    @Test func pythonDEALERThroughTheSwiftProxyToASwiftReplier() async throws {
        let proxy = Proxy(.queue, frontend: .bind("tcp://127.0.0.1:*"), backend: .bind("tcp://127.0.0.1:*"))
        try await proxy.withRunning {
            let endpoints = try #require(proxy.endpoints)
            let replier = Replier(.connect(Endpoint(endpoints.backend[0]))) { request in
                Message(strings: request.strings.map { $0.uppercased() })
            }
            try await replier.withRunning {
                let peer = try PythonPeer(
                    """
                    import sys, zmq
                    dealer = zmq.Context.instance().socket(zmq.DEALER)
                    dealer.connect(sys.argv[1])
                    for word in [b"alpha", b"beta", b"gamma"]:
                        dealer.send_multipart([b"", word])
                    replies = sorted(dealer.recv_multipart()[1].decode() for _ in range(3))
                    print(" ".join(replies))
                    """,
                    arguments: [endpoints.frontend[0]]
                )
                defer { peer.stop() }
                #expect(try await peer.line() == "ALPHA BETA GAMMA")
            }
        }
    }
}
