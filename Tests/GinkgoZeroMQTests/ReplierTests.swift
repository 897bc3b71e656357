import Ginkgo
import GinkgoZeroMQ
import Testing

@Suite(.timeLimit(.minutes(1)))
struct ReplierTests {
    @Test func answersREQClientsOnItsResolvedEndpoint() async throws {
        let replier = Replier(.bind("tcp://127.0.0.1:*")) { request in
            Message(strings: request.strings.map { $0.uppercased() })
        }
        try await replier.withRunning {
            let endpoint = try #require(replier.endpoints.first)
            #expect(endpoint.hasPrefix("tcp://127.0.0.1:") && !endpoint.hasSuffix("*"))
            let req = try Socket(.req)
            try req.connect(endpoint)
            try await req.send(["hello", "world"])
            #expect(try await req.receive().strings == ["HELLO", "WORLD"])
        }
    }

    @Test func servesRequestsConcurrently() async throws {
        let arrived = Inbox()
        let count = 100
        let replier = Replier(.bind("tcp://127.0.0.1:*")) { request in
            arrived.add(request)
            // Every handler waits for all requests: this only ends if they run at once.
            await arrived.wait(for: count)
            return request
        }
        try await replier.withRunning {
            let dealer = try Socket(.dealer)
            try dealer.connect(replier.endpoints[0])
            try await dealer.send(contentsOf: (0..<count).map { [.empty, Frame(String($0))] })
            var replies = Set<String>()
            while replies.count < count { replies.insert(try await dealer.receive()[1].string) }
            #expect(replies.count == count)
        }
    }

    @Test func keepsServingAfterMalformedEnvelopesOversizedFramesAndGarbage() async throws {
        let replier = Replier(.bind("tcp://127.0.0.1:*"), configure: { try $0.setOption(.maxMessageSize, 1000) }) {
            $0
        }
        try await replier.withRunning {
            let endpoint = replier.endpoints[0]
            let rude = try Socket(.dealer)
            try rude.setOption(.reconnectInterval, nil)
            try rude.connect(endpoint)
            try await rude.send(["no delimiter"])
            try await rude.send([.empty])
            try await rude.send([.empty, Frame([UInt8](repeating: 0, count: 5000))])
            try sendGarbage(Array("GET / HTTP/1.1\r\n\r\n".utf8) + [UInt8](repeating: 0xff, count: 64), to: endpoint)

            let req = try Socket(.req)
            try req.connect(endpoint)
            try await req.send(["still here?"])
            #expect(try await req.receive().strings == ["still here?"])
            #expect(replier.isReady)
        }
    }

    @Test func readsItsEndpointFromASetting() async throws {
        let replier = Replier(.bind(.setting("zmq.endpoint", default: "tcp://127.0.0.1:5555"))) { $0 }
        replier.settings = try Settings(overrides: ["zmq.endpoint": "tcp://127.0.0.1:*"])
        try await replier.withRunning {
            #expect(replier.endpoints.count == 1)
            #expect(replier.endpoints[0] != "tcp://127.0.0.1:5555")
            let info = replier.settings.describeTree(replier)
            #expect(info.map(\.key) == ["zmq.endpoint"])
        }
    }

    @Test func aBadEndpointFailsTheStartWithAClearError() async throws {
        let replier = Replier(.bind("tcp://127.0.0.1:not-a-port")) { $0 }
        let error = await #expect(throws: ServiceError.self) { try await replier.start() }
        #expect("\(error!)".contains("bind tcp://127.0.0.1:not-a-port"))
        #expect(replier.state == .stopped)
    }
}
