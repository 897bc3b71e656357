import GinkgoZeroMQ
import Testing

#if canImport(Glibc)
    import Glibc
#endif

@Suite(.timeLimit(.minutes(1)))
struct MessageBufferTests {
    /// The frames of every message in `buffer`, as byte arrays.
    private func contents(_ buffer: MessageBuffer) -> [[[UInt8]]] {
        (0..<buffer.count).map { index in buffer.withFrames(of: index) { frames in frames.map { Array($0) } } }
    }

    @Test func receivesBurstsAsBytesUpToTheLimitAfterWhatItHeld() async throws {
        let (push, pull) = try Socket.connectedPair(.push, .pull)
        try pull.setOption(.receiveTimeout, .seconds(10))
        let big = Frame([UInt8](repeating: 7, count: 1000))
        let sent: [Message] = [["one"], ["two", "", "frames"], [big, "tail"], ["four"], ["five"]]
        try await push.send(contentsOf: sent)

        var buffer = MessageBuffer()
        #expect(buffer.isEmpty)
        while buffer.count < 3 { try await pull.receive(into: &buffer, upTo: 3 - buffer.count) }
        #expect(buffer.count == 3, "no more than the limit")
        #expect(contents(buffer) == sent.prefix(3).map { $0.frames.map(\.bytes) })
        #expect(buffer[1] == sent[1], "a message copied out keeps its frames, the empty one too")
        #expect(buffer[2][0].count == 1000)

        buffer.removeAll()
        #expect(buffer.isEmpty)
        while buffer.count < 2 { try await pull.receive(into: &buffer, upTo: 10) }
        #expect(contents(buffer) == [[Array("four".utf8)], [Array("five".utf8)]])

        // A receive that times out leaves the buffer as it was.
        try pull.setOption(.receiveTimeout, .milliseconds(50))
        let error = await #expect(throws: ZMQError.self) { try await pull.receive(into: &buffer, upTo: 10) }
        #expect(error?.code == EAGAIN)
        #expect(buffer.count == 2)

        // On a socket that cannot receive, the error names it; on a closed one, that it is closed.
        let refused = await #expect(throws: ZMQError.self) { try await push.receive(into: &buffer, upTo: 1) }
        #expect(refused?.code == ENOTSUP)
        pull.close()
        let closed = await #expect(throws: ZMQError.self) { try await pull.receive(into: &buffer, upTo: 1) }
        #expect(closed?.code == ENOTSOCK)
        #expect(buffer.count == 2)
    }
}
