import GinkgoZeroMQ
import Testing

@Suite(.timeLimit(.minutes(1)))
struct ContextTests {
    @Test func terminateWithMessagesStillQueuedEndsWithinTheLinger() async throws {
        let context = try Context(defaultLinger: .milliseconds(200))
        let push = try Socket(.push, context: context)
        // Nobody listens there: the messages stay queued.
        try push.connect("tcp://127.0.0.1:1")
        try await push.send(contentsOf: (0..<100).map { Message("job \($0)") })
        let pull = try Socket(.pull, context: context)
        try pull.bind("tcp://127.0.0.1:*")
        let waiting = Task { try await pull.receive() }

        let clock = ContinuousClock()
        let started = clock.now
        await context.terminate()
        #expect(clock.now - started < .seconds(5))
        #expect(context.isTerminated)
        #expect(push.isClosed && pull.isClosed)
        await #expect(throws: ZMQError.self) { _ = try await waiting.value }
        let refused = #expect(throws: ZMQError.self) { try Socket(.pair, context: context) }
        #expect(refused?.description.contains("terminated") == true)
    }

    @Test func reportsVersionAndCapabilities() {
        #expect(Context.version.major == 4)
        #expect(Context.has("ipc"))
        #expect(Curve.isAvailable == Context.has("curve"))
    }
}

extension ContextTests {
    @Test func aContextDroppedWithoutTerminateCleansUp() async throws {
        for _ in 0..<20 {
            let context = try Context(defaultLinger: .zero)
            let (push, pull) = try Socket.connectedPair(.push, .pull, context: context)
            try await push.send(["one"])
            #expect(try await pull.receive().strings == ["one"])
        }
    }
}
