import Ginkgo
import NIOCore
import Synchronization
import Testing
import TestSupport

@testable import GinkgoNet

/// `Connection.sleep(for:)`: a timer of the connection's event loop instead of a task per wait.
@Suite(.timeLimit(.minutes(1)))
struct ConnectionSleepTests {
    @Test(arguments: NetExecutor.allCases)
    func sleepsAtLeastItsDurationThenTheHandlerGoesOn(executor: NetExecutor) async throws {
        let slept = Mutex<[Duration]>([])
        let server = StreamServer(host: "127.0.0.1", port: 0, configuration: .init(executor: executor)) { connection in
            for _ in 0..<3 {
                let started = ContinuousClock.now
                try await connection.sleep(for: .milliseconds(20))
                slept.withLock { $0.append(.now - started) }
                try await connection.write("tick\n")
            }
        }
        try await server.start()
        let port = try #require(server.port)
        let lines = try await TestClient.withConnection(port: port) { connection in
            var lines: [String] = []
            while let line = try await connection.readLine() { lines.append(line) }
            return lines
        }
        #expect(lines == ["tick", "tick", "tick"])
        #expect(slept.withLock { $0.count } == 3)
        #expect(slept.withLock { $0.allSatisfy { $0 >= .milliseconds(20) } })
        await server.stop()
    }

    @Test(arguments: NetExecutor.allCases)
    func cancellingTheHandlerEndsItsSleepAtOnce(executor: NetExecutor) async throws {
        let recorder = Recorder()
        let ended = Mutex<(any Error)?>(nil)
        let configuration = StreamServer.Configuration(drainTimeout: .milliseconds(50), executor: executor)
        let server = StreamServer(host: "127.0.0.1", port: 0, configuration: configuration) { connection in
            recorder.record("sleeping")
            do {
                try await connection.sleep(for: .seconds(3600))
            } catch {
                ended.withLock { $0 = error }
                throw error
            }
        }
        try await server.start()
        let port = try #require(server.port)
        try await TestClient.withConnection(port: port) { _ in
            await recorder.wait(for: "sleeping")
            // A stop cancels the handler once the drain timeout has passed; the hour-long sleep
            // must not hold it.
            await server.stop()
        }
        #expect(ended.withLock { $0 } is CancellationError)
        #expect(server.state == .stopped)
    }

    @Test func aSleepInACancelledTaskThrowsAtOnce() async throws {
        let outcome = Mutex<String>("")
        let server = StreamServer(host: "127.0.0.1", port: 0) { connection in
            withUnsafeCurrentTask { $0?.cancel() }  // the handler's own task, cancelled before it sleeps
            do {
                try await connection.sleep(for: .seconds(3600))
                outcome.withLock { $0 = "slept" }
            } catch {
                outcome.withLock { $0 = "\(type(of: error))" }
            }
            try await connection.write("done\n")
        }
        try await server.start()
        let port = try #require(server.port)
        let reply = try await TestClient.withConnection(port: port) { try await $0.readLine() }
        #expect(reply == "done")
        #expect(outcome.withLock { $0 } == "CancellationError")
        await server.stop()
    }
}
