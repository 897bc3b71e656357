import Ginkgo
import GinkgoZeroMQ
import Testing

/// The code of the README's ZeroMQ section, as written there, so that the README stays true.
@Suite(.timeLimit(.minutes(1)))
struct ReadmeTests {
    @Test func sockets() async throws {
        let replier = try Socket(.rep)
        try replier.bind("tcp://127.0.0.1:*")
        let requester = try Socket(.req)
        try requester.connect(replier.lastEndpoint!)

        try await requester.send(["hello", "world"])
        let request = try await replier.receive()
        try await replier.send(request)
        #expect(try await requester.receive().strings == ["hello", "world"])
    }

    @Test func frames() {
        let message: Message = ["tick", Frame([0x00, 0xff])]
        #expect(message[0].string == "tick" && message[1].bytes == [0, 255] && message.count == 2)
    }

    @Test(.enabled(if: Curve.isAvailable)) func curve() throws {
        let keys = try Curve.generateKeyPair()
        let server = try Socket(.rep)
        try server.setOption(.curveServer, true)
        try server.setOption(.curveSecretKey, keys.secretKey)
    }

    @Test func errors() {
        do {
            try Socket(.pull).bind("tcp://127.0.0.1:nope")
            Issue.record("bind should have failed")
        } catch {
            #expect("\(error)".hasPrefix("bind tcp://127.0.0.1:nope: Invalid argument (errno 22); endpoints look like"))
        }
    }

    @Test func bursts() async throws {
        let (push, pull) = try Socket.connectedPair(.push, .pull)
        let jobs = (0..<1000).map { Message("job \($0)") }
        let inbox = Inbox()
        func handle(_ message: Message) { inbox.add(message) }
        let consumer = Task {
            for try await message in pull.messages {  // drains up to 256 queued messages per wake-up
                handle(message)
            }
        }
        try await push.send(contentsOf: jobs)  // as many per lock as the socket takes
        await inbox.wait(for: 1000)
        #expect(inbox.messages == jobs)
        pull.close()
        try await consumer.value
    }

    @Test func messageBufferAndTrySendCopying() async throws {
        let (source, pull) = try Socket.connectedPair(.push, .pull)
        let (push, sink) = try Socket.connectedPair(.push, .pull)
        try sink.setOption(.receiveTimeout, .seconds(10))
        try await source.send(contentsOf: [["header", "middle", "payload"], ["alone"]])
        let relay = Task {
            var burst = MessageBuffer()
            while true {
                burst.removeAll()
                try await pull.receive(into: &burst, upTo: 256)
                for index in 0..<burst.count {
                    let answered = burst.withFrames(of: index) { frames in  // valid only in the closure
                        try? push.trySend(copying: frames[0], frames[frames.count - 1])
                    }
                    if answered != true { try await push.send(burst[index]) }  // a copy, as a Message
                }
            }
        }
        #expect(try await sink.receive().strings == ["header", "payload"])
        #expect(try await sink.receive().strings == ["alone", "alone"])
        relay.cancel()
        _ = await relay.result
    }

    @Test func heldMessagesSentTogether() async throws {
        let (push, pull) = try Socket.connectedPair(.push, .pull)
        try pull.setOption(.receiveTimeout, .seconds(10))
        var held = MessageBuffer()
        for text in ["one", "two", "three"] {
            Array(text.utf8).withUnsafeBytes { held.appendFrame($0) }
            held.endMessage()
        }
        let (sent, failures) = push.trySend(copying: held)
        for (index, error) in failures { print("message \(index) not sent: \(error)") }
        for index in sent..<held.count { try await push.send(held[index]) }  // the rest, waiting
        #expect(failures.isEmpty)
        for text in ["one", "two", "three"] { #expect(try await pull.receive().strings == [text]) }
    }

    @Test func reactorExecutor() async throws {
        let (replier, requester) = try Socket.connectedPair(.rep, .req)
        let server = Task { try await replier.send(try await replier.receive()) }
        let reply = try await withTaskExecutorPreference(requester.context.executor) {
            try await requester.send(["ping"])
            return try await requester.receive()
        }
        #expect(reply.strings == ["ping"])
        try await server.value
    }

    @Test func services() async throws {
        let echo = Replier(.bind(.setting("zmq.endpoint", default: "tcp://127.0.0.1:*"))) { request in
            request
        }
        try await echo.start()
        let client = Requester(.connect(Endpoint(echo.endpoints[0])), timeout: .seconds(1), retries: 3)
        try await client.start()
        #expect(try await client.request(["ping"]).strings == ["ping"])
        await client.stop()
        await echo.stop()
    }
}
