import Ginkgo
import NIOCore
import Synchronization
import Testing

@testable import GinkgoNet
import TestSupport

/// The edges of the bridge between a connection's channel and its handler's task: flow control,
/// peers that go away, writes after close, cancellation of a waiting read.
@Suite(.timeLimit(.minutes(1)))
struct ConnectionBridgeTests {
    @Test(arguments: NetExecutor.allCases)
    func aSlowReaderHoldsTheChannelBackInsteadOfBuffering(executor: NetExecutor) async throws {
        let total = 16 << 20
        let observed = Mutex<(held: Bool, buffered: Int)>((false, 0))
        let server = StreamServer(host: "127.0.0.1", port: 0, configuration: .init(executor: executor)) {
            connection in
            // Not reading: the bridge fills up to its limit, then the channel stops reading.
            let held = (try? await eventually("the channel to hold back reads") { connection.isHoldingReads }) != nil
            observed.withLock { $0 = (held, connection.bufferedBytes) }
            var received = 0
            while let bytes = try await connection.read() { received += bytes.readableBytes }
            try await connection.write("\(received)\n")
        }
        try await server.start()
        let port = try #require(server.port)
        let answer = try await TestClient.withConnection(port: port) { connection async throws in
            let chunk = ByteBuffer(repeating: UInt8(ascii: "x"), count: 64 * 1024)
            for _ in 0..<(total / chunk.readableBytes) { try await connection.write(chunk) }
            connection.writer.finish()
            return try await connection.readLine()
        }
        #expect(answer == "\(total)")
        let (held, buffered) = observed.withLock { $0 }
        #expect(held)
        // The limit, plus at most one event's reads (NIO reads up to 4 × 64 KiB per event).
        #expect(buffered >= ConnectionBridge.readLimit)
        #expect(buffered <= ConnectionBridge.readLimit + 4 * 64 * 1024)
        await server.stop()
    }

    @Test func aPeerThatClosesMidStreamEndsTheReadsAndFailsTheWrites() async throws {
        let recorder = Recorder()
        let server = StreamServer(host: "127.0.0.1", port: 0) { connection in
            let line = try await connection.readLine()
            recorder.record("line \(line ?? "<eof>")")
            try await connection.write("line \(line ?? "<eof>")\n")
            recorder.record("next \(try await connection.readLine() ?? "<eof>")")
            // Written into a socket the peer closed: the channel closes, writes throw.
            let chunk = ByteBuffer(repeating: 0, count: 64 * 1024)
            do {
                for _ in 0..<100_000 { try await connection.write(chunk) }
                recorder.record("no error")
            } catch let error as NetError {
                recorder.record("write failed: \(error.code)")
            } catch {
                recorder.record("write failed with \(type(of: error))")
            }
        }
        try await server.start()
        let port = try #require(server.port)
        try await TestClient.withConnection(port: port) { connection async throws in
            try await connection.write("half a li")
        }
        await recorder.wait(for: "write failed: connection closed")
        #expect(
            Array(recorder.events.prefix(3)) == ["line half a li", "next <eof>", "write failed: connection closed"]
        )
        let replies = try await TestClient.withConnection(port: port) { connection async throws in
            try await connection.write("still serving\n")
            return try await connection.readLine()
        }
        #expect(replies == "line still serving")
        await server.stop()
    }

    @Test func writesAfterCloseOrFinishThrowClosed() async throws {
        let recorder = Recorder()
        let server = StreamServer(host: "127.0.0.1", port: 0) { connection in
            try await connection.write("bye\n")
            connection.writer.finish()
            do {
                try await connection.write("after finish\n")
            } catch let error as NetError {
                recorder.record("after finish: \(error.code)")
            }
            await connection.close()
            do {
                try await connection.writer.write("after close\n")
            } catch let error as NetError {
                recorder.record("after close: \(error.code)")
            }
        }
        try await server.start()
        let port = try #require(server.port)
        let lines = try await TestClient.withConnection(port: port) { connection async throws in
            var lines: [String] = []
            while let line = try await connection.readLine() { lines.append(line) }
            return lines
        }
        #expect(lines == ["bye"])
        await recorder.wait(for: "after close: connection closed")
        #expect(recorder.events == ["after finish: connection closed", "after close: connection closed"])
        await server.stop()
    }

    @Test(arguments: NetExecutor.allCases)
    func stopCancelsAHandlerWaitingToRead(executor: NetExecutor) async throws {
        let recorder = Recorder()
        let configuration = StreamServer.Configuration(drainTimeout: .milliseconds(50), executor: executor)
        let server = StreamServer(host: "127.0.0.1", port: 0, configuration: configuration) { connection in
            recorder.record("reading")
            do {
                _ = try await connection.read()
                recorder.record("read returned")
            } catch is CancellationError {
                recorder.record("cancelled")
            }
        }
        try await server.start()
        let port = try #require(server.port)
        try await TestClient.withConnection(port: port) { connection async throws in
            await recorder.wait(for: "reading")
            // Stopped in a task of its own: a stop cannot be cancelled, so if the waiting read were
            // not ended, it would never return; the bounded wait fails the test instead.
            let stopping = Task { await server.stop() }
            try await eventually(timeout: .seconds(10), "the waiting read to end") {
                recorder.events.contains("cancelled")
            }
            await stopping.value
            #expect(recorder.events == ["reading", "cancelled"])
            #expect(try await connection.read() == nil)
        }
    }
}
