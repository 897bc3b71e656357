import GinkgoZeroMQ
import Synchronization
import Testing

#if canImport(Glibc)
    import Glibc
#endif

@Suite(.timeLimit(.minutes(1)))
struct SocketTests {
    @Test func pairRoundTripOnAnEphemeralPort() async throws {
        let (left, right) = try Socket.connectedPair(.pair, .pair)
        try await left.send(["hello", "world"])
        let message = try await right.receive()
        #expect(message.strings == ["hello", "world"])
        try await right.send(Message([0, 1, 2, 255]))
        #expect(try await left.receive()[0].bytes == [0, 1, 2, 255])
    }

    @Test func wildcardBindReportsTheBoundPort() throws {
        let socket = try Socket(.rep)
        try socket.bind("tcp://127.0.0.1:*")
        let endpoint = try #require(socket.lastEndpoint)
        #expect(endpoint.hasPrefix("tcp://127.0.0.1:"))
        #expect(Int(endpoint.split(separator: ":").last ?? "") ?? 0 > 0)
        try socket.unbind(endpoint)
    }

    @Test func multipartMessagesKeepTheirFrames() async throws {
        let (push, pull) = try Socket.connectedPair(.push, .pull)
        let frames: [Frame] = ["a", .empty, Frame([UInt8](repeating: 7, count: 300)), "last"]
        try await push.send(Message(frames: frames))
        let received = try await pull.receive()
        #expect(received.frames == frames)
        #expect(received[1].isEmpty)
        #expect(received[2].count == 300)
    }

    @Test func framesKeptInlineAndFramesKeptInLibzmqBuffersBothRoundTrip() async throws {
        let (push, pull) = try Socket.connectedPair(.push, .pull)
        // 24 bytes and fewer live inside the Frame value, up to 256 made from an array share it,
        // larger ones are copied into a libzmq message.
        let sizes = [0, 1, 23, 24, 25, 256, 257]
        let frames = sizes.map { size in Frame((0..<size).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ size) }) }
        try await push.send(Message(frames: frames))
        try await push.send(contentsOf: frames.map { Message(frames: [$0]) })
        #expect(try await pull.receive().frames == frames)
        for frame in frames {
            let received = try await pull.receive()
            #expect(received[0] == frame)
            #expect(received[0].count == frame.count)
            #expect(received[0].hashValue == frame.hashValue)
        }
    }

    @Test func oneMebibyteMessages() async throws {
        let (push, pull) = try Socket.connectedPair(.push, .pull)
        let payload = (0..<(1 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        try await push.send(contentsOf: (0..<4).map { _ in Message(payload) })
        for _ in 0..<4 {
            let message = try await pull.receive()
            #expect(message[0].count == 1 << 20)
            #expect(message[0].elementsEqual(payload))
        }
    }

    @Test func badEndpointsGiveClearErrorsAndTheSocketKeepsWorking() async throws {
        let socket = try Socket(.pull)
        let malformed = #expect(throws: ZMQError.self) { try socket.bind("tcp://127.0.0.1:nope") }
        #expect(malformed?.code == EINVAL)
        #expect(malformed?.description.contains("bind tcp://127.0.0.1:nope") == true)
        let transport = #expect(throws: ZMQError.self) { try socket.connect("carrier-pigeon://home") }
        #expect(transport?.code == EPROTONOSUPPORT)
        let missing = #expect(throws: ZMQError.self) { try socket.unbind("tcp://127.0.0.1:1") }
        #expect(missing?.code == ENOENT)

        try socket.bind("tcp://127.0.0.1:*")
        let push = try Socket(.push)
        try push.connect(try #require(socket.lastEndpoint))
        try await push.send(["still works"])
        #expect(try await socket.receive().strings == ["still works"])
    }

    @Test func wrongOperationsForTheSocketTypeAreRefused() async throws {
        let pub = try Socket(.pub)
        await #expect(throws: ZMQError.self) { _ = try await pub.receive() }
        #expect(throws: ZMQError.self) { try pub.subscribe("topic") }
        let sub = try Socket(.sub)
        let refused = await #expect(throws: ZMQError.self) { try await sub.send(["no"]) }
        #expect(refused?.code == ENOTSUP)
        await #expect(throws: ZMQError.self) { try await pub.send(Message()) }

        let (req, rep) = try Socket.connectedPair(.req, .rep)
        try await req.send(["one"])
        let outOfTurn = await #expect(throws: ZMQError.self) { try await req.send(["two"]) }
        #expect(outOfTurn?.description.contains("must receive the reply") == true)
        try await rep.send(try await rep.receive())
        #expect(try await req.receive().strings == ["one"])
    }

    @Test func trySendContentsOfSendsWhatTheSocketTakesNowInOrder() async throws {
        let lonely = try Socket(.push)
        #expect(try lonely.trySend(contentsOf: [["a"], ["b"]]) == 0, "a PUSH with no peer takes nothing")
        #expect(try lonely.trySend(contentsOf: []) == 0)

        let (push, pull) = try Socket.connectedPair(.push, .pull)
        try pull.setOption(.receiveTimeout, .seconds(10))
        try await push.send(["connected"])  // waits for the peer
        #expect(try await pull.receive().strings == ["connected"])
        #expect(try push.trySend(contentsOf: [["1"], ["2", "two"], ["3"]]) == 3)
        for expected in [["1"], ["2", "two"], ["3"]] {
            #expect(try await pull.receive().strings == expected)
        }

        let refused = #expect(throws: ZMQError.self) { _ = try pull.trySend(contentsOf: [["no"]]) }
        #expect(refused?.code == ENOTSUP)

        // A failure after the first message ends the burst and returns the count sent before it.
        let (rep, req) = try Socket.connectedPair(.rep, .req)
        try rep.setOption(.receiveTimeout, .seconds(10))  // a broken send fails, not hangs
        try await req.send(["connected"])  // a round trip first: the REQ's pipe is attached
        try await rep.send(try await rep.receive())
        _ = try await req.receive()
        #expect(try req.trySend(contentsOf: [["one"], ["two"]]) == 1)
        #expect(try await rep.receive().strings == ["one"])
    }

    @Test func trySendCopyingSendsTheBytesAsTheFramesOfOneMessage() async throws {
        let header = Array(repeating: UInt8(ascii: "h"), count: 70)  // over libzmq's 33 inline bytes
        let payload: [UInt8] = [0, 1, 2, 255]
        let empty = UnsafeRawBufferPointer(start: nil, count: 0)

        let lonely = try Socket(.push)
        let unsent = try header.withUnsafeBytes { try lonely.trySend(copying: $0, empty) }
        #expect(!unsent, "a PUSH with no peer takes nothing")

        let (push, pull) = try Socket.connectedPair(.push, .pull)
        try pull.setOption(.receiveTimeout, .seconds(10))
        try await push.send(["connected"])  // waits for the peer
        #expect(try await pull.receive().strings == ["connected"])
        let sent = try header.withUnsafeBytes { header in
            try payload.withUnsafeBytes { payload in
                try push.trySend(copying: header, payload) && push.trySend(copying: payload, empty, header)
            }
        }
        #expect(sent)
        #expect(try await pull.receive().frames.map(\.bytes) == [header, payload])
        #expect(try await pull.receive().frames.map(\.bytes) == [payload, [], header])

        let refused = #expect(throws: ZMQError.self) { _ = try pull.trySend(copying: empty, empty) }
        #expect(refused?.code == ENOTSUP)
        pull.close()
        let closed = #expect(throws: ZMQError.self) { _ = try pull.trySend(copying: empty, empty, empty) }
        #expect(closed?.code == ENOTSOCK)
    }

    /// A ROUTER that refuses messages to peers it does not know, and a DEALER it knows as `peer`.
    static func routerThatKnowsPeer() async throws -> (router: Socket, dealer: Socket) {
        let router = try Socket(.router)
        try router.setOption(.routerMandatory, true)
        try router.bind("tcp://127.0.0.1:*")
        let dealer = try Socket(.dealer)
        try dealer.setOption(.routingID, Array("peer".utf8))
        try dealer.setOption(.receiveTimeout, .seconds(10))
        try dealer.connect(try #require(router.lastEndpoint))
        try await dealer.send(["hello"])  // the router knows the peer once this arrives
        _ = try await router.receive()
        return (router, dealer)
    }

    /// Held messages go in order under one lock; one the socket refuses is reported and
    /// skipped, and a socket that cannot take more stops the batch where it stands.
    @Test func trySendCopyingABufferSendsEachMessageAndReportsFailures() async throws {
        let (router, dealer) = try await Self.routerThatKnowsPeer()

        var held = MessageBuffer()
        for (peer, text) in [("peer", "one"), ("nobody", "lost"), ("peer", "two")] {
            Array(peer.utf8).withUnsafeBytes { held.appendFrame($0) }
            Array(text.utf8).withUnsafeBytes { held.appendFrame($0) }
            held.endMessage()
        }
        let (sent, failures) = router.trySend(copying: held)
        #expect(sent == 3)
        #expect(failures.map(\.index) == [1])
        #expect(failures.first?.error.code == EHOSTUNREACH)
        #expect(try await dealer.receive().strings == ["one"])
        #expect(try await dealer.receive().strings == ["two"])

        let lonely = try Socket(.push)
        #expect(lonely.trySend(copying: held).sent == 0, "a PUSH with no peer takes nothing")
        dealer.close()
        router.close()
        lonely.close()
    }

    /// A batch's messages, copied into libzmq as they were added, go in order under one lock,
    /// past the room it starts with; one the socket refuses is reported and skipped; a socket that
    /// cannot take more drops the rest; a closed one throws and leaves the batch as it was.
    @Test func trySendABatchSendsEachMessageAndReportsFailures() async throws {
        let (router, dealer) = try await Self.routerThatKnowsPeer()

        func add(_ peer: String, _ header: String, _ payload: String, to batch: inout OutgoingBatch) {
            Array(peer.utf8).withUnsafeBytes { peer in
                Array(header.utf8).withUnsafeBytes { header in
                    Array(payload.utf8).withUnsafeBytes { batch.append(copying: peer, header, $0) }
                }
            }
        }
        var batch = OutgoingBatch()
        for n in 0..<10 {
            add(n == 4 ? "nobody" : "peer", "header \(n)", String(repeating: "p", count: n * 10), to: &batch)
        }
        // Read out first: `#expect` cannot take a non-copyable value apart.
        let added = batch.count
        #expect(added == 30)
        let failures = try router.trySend(&batch)
        let emptied = batch.isEmpty
        #expect(emptied)
        #expect(failures.map(\.index) == [4])
        #expect(failures.first?.error.code == EHOSTUNREACH)
        for n in 0..<10 where n != 4 {
            #expect(try await dealer.receive().strings == ["header \(n)", String(repeating: "p", count: n * 10)])
        }

        let lonely = try Socket(.push)
        var unsent = OutgoingBatch()
        add("a", "b", "c", to: &unsent)
        #expect(try lonely.trySend(&unsent).isEmpty, "a PUSH with no peer takes nothing, and drops it")
        let dropped = unsent.isEmpty
        #expect(dropped)
        lonely.close()
        add("a", "b", "c", to: &unsent)
        let closed = #expect(throws: ZMQError.self) { _ = try lonely.trySend(&unsent) }
        #expect(closed?.code == ENOTSOCK)
        let kept = unsent.count
        #expect(kept == 3)
        dealer.close()
        router.close()
    }

    @Test func receiveIntoAppendsUpToTheLimitAndKeepsTheArraysStorage() async throws {
        let (push, pull) = try Socket.connectedPair(.push, .pull)
        try pull.setOption(.receiveTimeout, .seconds(10))
        try await push.send(contentsOf: (1...5).map { Message("\($0)") })
        var burst: [Message] = [Message("kept")]
        // Whatever is queued, up to the limit, after what the array held.
        while burst.count < 4 { try await pull.receive(into: &burst, upTo: 3 - (burst.count - 1)) }
        #expect(burst.map(\.strings) == [["kept"], ["1"], ["2"], ["3"]])
        burst.removeAll(keepingCapacity: true)
        let capacity = burst.capacity
        while burst.count < 2 { try await pull.receive(into: &burst, upTo: 10) }
        #expect(burst.map(\.strings) == [["4"], ["5"]])
        #expect(burst.capacity == capacity)
        // A receive that times out leaves the array as it was.
        try pull.setOption(.receiveTimeout, .milliseconds(50))
        let error = await #expect(throws: ZMQError.self) { try await pull.receive(into: &burst, upTo: 10) }
        #expect(error?.code == EAGAIN)
        #expect(burst.count == 2)
    }

    @Test func cancellingAPendingReceiveReturnsPromptlyAndKeepsTheSocket() async throws {
        let (push, pull) = try Socket.connectedPair(.push, .pull)
        let waiting = Task { try await pull.receive() }
        let clock = ContinuousClock()
        let started = clock.now
        waiting.cancel()
        await #expect(throws: CancellationError.self) { _ = try await waiting.value }
        // A hung receive would hit the time limit; this bound only catches one that waits for traffic.
        #expect(clock.now - started < .seconds(10))

        try await push.send(["after"])
        #expect(try await pull.receive().strings == ["after"])
    }

    @Test func receiveTimeoutThrowsEAGAIN() async throws {
        let pull = try Socket(.pull)
        try pull.bind("tcp://127.0.0.1:*")
        try pull.setOption(.receiveTimeout, .milliseconds(50))
        #expect(try pull.option(.receiveTimeout) == .milliseconds(50))
        let error = await #expect(throws: ZMQError.self) { _ = try await pull.receive() }
        #expect(error?.isTimeout == true)
    }

    @Test func closingWakesWaitersAndEndsTheMessageSequence() async throws {
        let pull = try Socket(.pull)
        try pull.bind("tcp://127.0.0.1:*")
        let consumer = Task {
            var count = 0
            for try await _ in pull.messages { count += 1 }
            return count
        }
        let receiver = Task { try await pull.receive() }
        // Whichever task is waiting or not yet started, closing ends both.
        pull.close()
        #expect(try await consumer.value == 0)
        let error = await #expect(throws: ZMQError.self) { _ = try await receiver.value }
        #expect(error?.code == ENOTSOCK)
    }

    @Test func optionsRoundTrip() throws {
        let socket = try Socket(.dealer)
        try socket.setOption(.linger, .milliseconds(250))
        #expect(try socket.option(.linger) == .milliseconds(250))
        try socket.setOption(.sendHighWaterMark, 5000)
        try socket.setOption(.receiveHighWaterMark, 6000)
        #expect(try socket.option(.sendHighWaterMark) == 5000)
        #expect(try socket.option(.receiveHighWaterMark) == 6000)
        try socket.setOption(.routingID, Array("worker-1".utf8))
        #expect(try socket.option(.routingID) == Array("worker-1".utf8))
        try socket.setOption(.maxMessageSize, 4096)
        #expect(try socket.option(.maxMessageSize) == 4096)
        try socket.setOption(.immediate, true)
        #expect(try socket.option(.immediate))
        try socket.setOption(.tcpKeepalive, true)
        try socket.setOption(.tcpKeepaliveIdle, 30)
        #expect(try socket.option(.tcpKeepalive) == true)
        try socket.setOption(.heartbeatInterval, .seconds(1))
        try socket.setOption(.heartbeatTimeout, .seconds(3))
        #expect(try socket.option(.heartbeatInterval) == .seconds(1))
        try socket.setOption(.reconnectInterval, .milliseconds(50))
        try socket.setOption(.reconnectIntervalMax, .seconds(2))
        #expect(try socket.option(.reconnectIntervalMax) == .seconds(2))
        #expect(try socket.option(.socketType) == SocketType.dealer.rawValue)
    }

    @Test(.enabled(if: Curve.isAvailable)) func curveEncryptsARequestAndReply() async throws {
        let serverKeys = try Curve.generateKeyPair()
        let clientKeys = try Curve.generateKeyPair()
        #expect(serverKeys.publicKey.count == 40)
        let rep = try Socket(.rep)
        try rep.setOption(.curveServer, true)
        try rep.setOption(.curveSecretKey, serverKeys.secretKey)
        try rep.bind("tcp://127.0.0.1:*")
        let req = try Socket(.req)
        try req.setOption(.curveServerKey, serverKeys.publicKey)
        try req.setOption(.curvePublicKey, clientKeys.publicKey)
        try req.setOption(.curveSecretKey, clientKeys.secretKey)
        #expect(try req.option(.curvePublicKey) == clientKeys.publicKey)
        try req.connect(try #require(rep.lastEndpoint))
        try await req.send(["secret"])
        try await rep.send(try await rep.receive())
        #expect(try await req.receive().strings == ["secret"])
    }
}
