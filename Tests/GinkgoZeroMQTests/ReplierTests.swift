import Ginkgo
import GinkgoZeroMQ
import Testing
import TestSupport

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

    @Test func aHandlerThatComputesWithoutWaitingHoldsTheLoopOnlyTwice() async throws {
        let holding = Flag()
        let released = Flag()
        // "spin" computes for 5 ms without a suspension point, "hold" until released (at most
        // 30 s); anything else is echoed.
        let replier = Replier(.bind("tcp://127.0.0.1:*")) { request in
            let clock = ContinuousClock()
            switch request.strings.first {
            case "spin":
                let deadline = clock.now + .milliseconds(5)
                while clock.now < deadline {}
            case "hold":
                holding.set()
                let deadline = clock.now + .seconds(30)
                while clock.now < deadline && !released.isSet {}
            default: break
            }
            return request
        }
        try await holdingAPoolThread {
            defer { released.set() }  // also when the test fails, so the hold ends with it
            try await replier.withRunning {
                let endpoint = replier.endpoints[0]
                let first = try Socket(.dealer)
                let held = try Socket(.req)
                let other = try Socket(.req)
                for socket in [first, held, other] {
                    try socket.setOption(.linger, .zero)
                    try socket.setOption(.receiveTimeout, .seconds(10))
                    try socket.connect(endpoint)
                }
                defer { [first, held, other].forEach { $0.close() } }

                // The first two requests hold the loop for 5 ms each, so one sent right behind
                // each is answered after it (in a task of its own, it would overtake it); and,
                // two long runs within a second, the next ones start elsewhere. Sent together,
                // so that they run back to back however slow the machine.
                try await first.send(
                    contentsOf: (0..<2).flatMap { _ in [[.empty, Frame("spin")], [.empty, Frame("echo")]] }
                )
                for _ in 0..<2 {
                    #expect(try await first.receive().strings == ["", "spin"])
                    #expect(try await first.receive().strings == ["", "echo"])
                }
                try await held.send(["hold"])
                try await eventually(timeout: .seconds(10), "the held request to start") { holding.isSet }

                // While that request computes, the loop still answers others.
                try await other.send(["echo"])
                #expect(try await other.receive().strings == ["echo"])
                #expect(try held.tryReceive() == nil)

                released.set()
                #expect(try await held.receive().strings == ["hold"])
            }
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
