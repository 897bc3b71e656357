import Ginkgo
import GinkgoZeroMQ
import Testing
import TestSupport

@testable import GinkgoStdlib

/// Calls start on the server's receive loop; a handler that computes without waiting must not
/// keep the loop from other calls more than twice.
@Suite(.timeLimit(.minutes(1))) struct RPCServerInlineTests {
    struct Work: Codable, Sendable { var hold: Bool }

    @Test func aHandlerThatComputesWithoutWaitingHoldsTheLoopOnlyTwice() async throws {
        let holding = Flag()
        let released = Flag()
        let server = RPCServer(endpoint: "tcp://127.0.0.1:*", drainTimeout: .milliseconds(100))
        server.settings = try Settings(overrides: [:])
        // Computes without a suspension point: 5 ms, or until released (at most 30 s).
        server.handle("work") { (work: Work) -> Sum in
            let clock = ContinuousClock()
            let deadline = clock.now + (work.hold ? .seconds(30) : .milliseconds(5))
            if work.hold { holding.set() }
            while clock.now < deadline && !(work.hold && released.isSet) {}
            return Sum(sum: 1)
        }
        server.handle("echo", json: { $0 })
        try await holdingAPoolThread {
            defer { released.set() }  // also when the test fails, so the hold ends with it
            try await server.start()
            defer { Task { await server.stop() } }
            try await checkTheLoopIsHeldOnlyTwice(server, holding: holding, released: released)
        }
    }

    /// A handler that awaits runs in a task of its own: while it waits, the loop answers others.
    /// (One that cannot wait runs on the loop, which the test above shows.)
    @Test func aHandlerThatAwaitsLeavesTheLoopToOtherCalls() async throws {
        let waiting = try WaitingServer(result: 1)
        let server = waiting.server
        try await server.start()
        defer { Task { await server.stop() } }
        let client = try RawDealer(try #require(server.boundEndpoint))
        defer { client.close() }
        try await client.socket.send(Message(strings: [#"{"v":1,"kind":"request","id":"w","method":"wait"}"#, "[]"]))
        try await eventually(timeout: .seconds(10), "the waiting call to start") { waiting.started.isSet }
        let (echo, payload) = try await client.exchange(#"{"v":1,"kind":"request","id":"e","method":"echo"}"#, "[7]")
        #expect(echo == MessagingEnvelope(kind: .reply, id: "e"))
        #expect(String(decoding: payload, as: UTF8.self) == "[7]")
        waiting.release.yield()
        let (reply, result) = try MessagingEnvelope.parse(try await client.socket.receive())
        #expect(reply == MessagingEnvelope(kind: .reply, id: "w"))
        #expect(String(decoding: result, as: UTF8.self) == "1")
    }

    /// The loop runs on ZeroMQ's reactor thread, where the socket's readiness is seen: a handler
    /// that cannot wait runs there, and one that may wait runs on Swift's pool, before and after
    /// it waits, never keeping the thread every socket shares.
    @Test func theLoopRunsOnTheReactorAndAWaitingHandlerOnThePool() async throws {
        let server = RPCServer(endpoint: "tcp://127.0.0.1:*")
        server.settings = try Settings(overrides: [:])
        server.handle("here") { () -> Bool in Context.shared.isOnExecutor }
        server.handle("wait") { () async throws -> [Bool] in
            let before = Context.shared.isOnExecutor
            try await Task.sleep(for: .milliseconds(1))
            return [before, Context.shared.isOnExecutor]
        }
        try await server.start()
        defer { Task { await server.stop() } }
        let client = try RawDealer(try #require(server.boundEndpoint))
        defer { client.close() }
        let (here, onReactor) = try await client.exchange(#"{"v":1,"kind":"request","id":"h","method":"here"}"#, "[]")
        #expect(here == MessagingEnvelope(kind: .reply, id: "h"))
        #expect(String(decoding: onReactor, as: UTF8.self) == "true")
        let (waited, places) = try await client.exchange(#"{"v":1,"kind":"request","id":"w","method":"wait"}"#, "[]")
        #expect(waited == MessagingEnvelope(kind: .reply, id: "w"))
        #expect(String(decoding: places, as: UTF8.self) == "[false,false]")
    }

    private func checkTheLoopIsHeldOnlyTwice(_ server: RPCServer, holding: Flag, released: Flag) async throws {
        let endpoint = try #require(server.boundEndpoint)
        let first = try RawDealer(endpoint)
        let held = try RawDealer(endpoint)
        let other = try RawDealer(endpoint)
        defer { [first, held, other].forEach { $0.close() } }

        // The first two calls run on the loop for 5 ms each, so an echo sent right behind each
        // is answered after it (in a task of its own, the echo would overtake it); and, two long
        // runs within a second, the method's next calls start elsewhere. Sent together, so that
        // they run back to back however slow the machine.
        let ids = ["1", "2"]
        try await first.socket.send(
            contentsOf: ids.flatMap { id in
                [
                    Message(strings: [#"{"v":1,"kind":"request","id":"\#(id)","method":"work"}"#, #"{"hold":false}"#]),
                    Message(strings: [#"{"v":1,"kind":"request","id":"\#(id)e","method":"echo"}"#, "[1]"]),
                ]
            }
        )
        for id in ids {
            let (done, _) = try MessagingEnvelope.parse(try await first.socket.receive())
            let (behind, _) = try MessagingEnvelope.parse(try await first.socket.receive())
            #expect(done.kind == .reply)
            #expect(done.id == id && behind.id == "\(id)e")
        }
        try await held.socket.send(
            Message(strings: [#"{"v":1,"kind":"request","id":"held","method":"work"}"#, #"{"hold":true}"#])
        )
        try await eventually(timeout: .seconds(10), "the held call to start") { holding.isSet }

        // While that call computes, the loop still answers other calls and heartbeats.
        let (echo, payload) = try await other.exchange(#"{"v":1,"kind":"request","id":"3","method":"echo"}"#, "[42]")
        #expect(echo == MessagingEnvelope(kind: .reply, id: "3"))
        #expect(String(decoding: payload, as: UTF8.self) == "[42]")
        let (beat, _) = try await other.exchange(#"{"v":1,"kind":"heartbeat","id":"hb"}"#, "")
        #expect(beat.kind == .heartbeat)
        #expect(try held.socket.tryReceive() == nil)

        released.set()
        let (reply, result) = try MessagingEnvelope.parse(try await held.socket.receive())
        #expect(reply == MessagingEnvelope(kind: .reply, id: "held"))
        #expect(String(decoding: result, as: UTF8.self) == #"{"sum":1}"#)
    }
}
