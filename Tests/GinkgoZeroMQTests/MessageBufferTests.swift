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

    @Test func holdsMessagesBuiltFrameByFrame() {
        var held = MessageBuffer()
        let header = Array("header".utf8)
        let payload: [UInt8] = [0, 1, 2, 255]
        header.withUnsafeBytes { held.appendFrame($0) }
        payload.withUnsafeBytes { held.appendFrame($0) }
        #expect(held.isEmpty, "a message counts once it is ended")
        held.endMessage()
        held.appendFrame(UnsafeRawBufferPointer(start: nil, count: 0))
        held.endMessage()
        #expect(held.count == 2)
        #expect(contents(held) == [[header, payload], [[]]])
        #expect(held[0] == Message(frames: [Frame(header), Frame(payload)]))
        var seen: [Int: [[UInt8]]] = [:]
        held.forEachMessage { index, frames in seen[index] = frames.map { Array($0) } }
        #expect(seen == [0: [header, payload], 1: [[]]])
        held.removeAll()
        #expect(held.isEmpty)
        payload.withUnsafeBytes { held.appendFrame($0) }
        held.endMessage()
        #expect(contents(held) == [[payload]], "what was removed stays out")
    }

    /// The storage grows as frames come and is reused after `removeAll`, yet a copy of the
    /// buffer is a value: what the original does next leaves it as it was.
    @Test func aCopyKeepsItsMessagesWhenTheOriginalIsEmptiedAndRefilled() {
        var original = MessageBuffer()
        let frames = (0..<100).map { Array("frame \($0)".utf8) }
        for frame in frames {
            frame.withUnsafeBytes { original.appendFrame($0) }
            original.endMessage()
        }
        let copy = original
        original.removeAll()
        Array("new".utf8).withUnsafeBytes { original.appendFrame($0) }
        original.endMessage()
        #expect(contents(copy) == frames.map { [$0] })
        #expect(contents(original) == [[Array("new".utf8)]])
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
