import NIOCore
import Testing

@testable import GinkgoStdlib

/// Cutting a streamed answer into lines, however its chunks fall.
struct JSONLineBufferTests {
    @Test func linesSplitAcrossChunksComeOutWhole() throws {
        var buffer = JSONLineBuffer()
        var lines: [String] = []
        for chunk in ["{\"a\":", "1}\n\n{\"b\"", ":2}\r\n{\"c\":3}\n{\"d"] {
            buffer.append(ByteBuffer(string: chunk))
            while let line = try buffer.next() { lines.append(String(buffer: line)) }
        }
        #expect(lines == ["{\"a\":1}", "{\"b\":2}\r", "{\"c\":3}"])
    }

    @Test func aLineLongerThanTheLimitIsAnError() throws {
        var buffer = JSONLineBuffer(limit: 8)
        buffer.append(ByteBuffer(string: "{\"a\":\"0123456789"))
        #expect(throws: DiscoveryError.self) { try buffer.next() }
    }
}
