import Ginkgo
import NIOCore
import Testing

@testable import GinkgoNet

@Suite(.timeLimit(.minutes(1)))
struct ConnectionTests {
    /// Runs `handler` on a server, sends `input` in the given pieces, and returns all it answered.
    func exchange(_ pieces: [String], handler: @escaping StreamServer.Handler) async throws -> String {
        let server = StreamServer(host: "127.0.0.1", port: 0, handler: handler)
        try await server.start()
        let port = try #require(server.port)
        let answer = try await TestClient.withConnection(port: port) { connection async throws in
            for piece in pieces { try await connection.write(piece) }
            connection.writer.finish()
            var answer = ""
            while let bytes = try await connection.read() { answer += String(buffer: bytes) }
            return answer
        }
        await server.stop()
        return answer
    }

    @Test func pipelinedLinesAreAnsweredInOrder() async throws {
        let lines = (1...1000).map { "request \($0)\n" }
        let answer = try await exchange([lines.joined()], handler: echo)
        #expect(answer == lines.joined())
    }

    @Test func linesSplitAcrossReadsAndCRLFAreHandled() async throws {
        let answer = try await exchange(["hel", "lo\r", "\nwor", "ld\nlast"]) { connection in
            for try await line in connection.lines { try await connection.write("[\(line)]") }
        }
        #expect(answer == "[hello][world][last]")
    }

    @Test func readReturnsWhatReadLineLeftOver() async throws {
        let answer = try await exchange(["first\nrest of it"]) { connection in
            let line = try await connection.readLine() ?? ""
            var rest = ""
            while let bytes = try await connection.read() { rest += String(buffer: bytes) }
            try await connection.write("\(line)|\(rest)")
        }
        #expect(answer == "first|rest of it")
    }

    @Test func unflushedWritesGoOutWhenTheHandlerEnds() async throws {
        let answer = try await exchange([]) { connection in
            try await connection.write("one ", flush: false)
            try await connection.write(ByteBuffer(string: "two"), flush: false)
        }
        #expect(answer == "one two")
    }
}
