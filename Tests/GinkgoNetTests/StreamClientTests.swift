import Ginkgo
import Testing

@testable import GinkgoNet
import TestSupport

@Suite(.timeLimit(.minutes(1)))
struct StreamClientTests {
    static let fast = StreamClient.Configuration(
        reconnect: ReconnectPolicy(initialDelay: .milliseconds(10), maximumDelay: .milliseconds(100))
    )

    /// A server that greets each connection with its number, then keeps it open.
    final class Greeter: Sendable {
        let recorder = Recorder()

        func server(port: Int) -> StreamServer {
            StreamServer(host: "127.0.0.1", port: .value(port), configuration: .init(drainTimeout: .milliseconds(50))) {
                connection in
                try await connection.write("hello\n")
                while try await connection.read() != nil {}
            }
        }
    }

    @Test(arguments: NetExecutor.allCases)
    func isReadyOnceConnectedAndReadsLines(executor: NetExecutor) async throws {
        let greeter = Greeter()
        let server = greeter.server(port: 0)
        try await server.start()
        let port = try #require(server.port)
        var configuration = Self.fast
        configuration.executor = executor
        let client = StreamClient(host: "127.0.0.1", port: .value(port), configuration: configuration) { connection in
            for try await line in connection.lines { greeter.recorder.record(line) }
        }
        try await client.start()
        #expect(client.isReady)
        #expect(client.connectedCount == 1)
        await greeter.recorder.wait(for: "hello")
        await client.stop()
        await server.stop()
    }

    @Test func reconnectsAfterTheServerRestarts() async throws {
        let greeter = Greeter()
        let first = greeter.server(port: 0)
        try await first.start()
        let port = try #require(first.port)
        let client = StreamClient(host: "127.0.0.1", port: .value(port), configuration: Self.fast) { connection in
            greeter.recorder.record("connected")
            let number = greeter.recorder.count("connected")
            while let line = try await connection.readLine() { greeter.recorder.record("\(line) \(number)") }
        }
        try await client.start()
        await greeter.recorder.wait(for: "hello 1")
        await first.stop()

        let second = greeter.server(port: port)
        try await second.start()
        await greeter.recorder.wait(for: "hello 2")
        #expect(client.connectCount == 2)
        await client.stop()
        await second.stop()
    }

    @Test func keepsAPoolOfConnections() async throws {
        let greeter = Greeter()
        let server = greeter.server(port: 0)
        try await server.start()
        let port = try #require(server.port)
        let client = StreamClient(host: "127.0.0.1", port: .value(port), connections: 3, configuration: Self.fast) {
            connection in
            if try await connection.readLine() == "hello" { greeter.recorder.record("greeted") }
            while try await connection.read() != nil {}
        }
        try await client.start()
        while greeter.recorder.count("greeted") < 3 { await greeter.recorder.wait(for: "greeted") }
        #expect(client.connectedCount == 3)
        #expect(server.activeConnections == 3)
        await client.stop()
        await server.stop()
    }

    @Test func startNeedNotWaitForTheServer() async throws {
        // Not a port the kernel hands out (`bind` to 0): while the server is not up, another
        // test's socket, or the client's own connection attempt, could take that one.
        let port = try freeLoopbackPort()

        let greeter = Greeter()
        var configuration = Self.fast
        configuration.waitsForConnection = false
        let client = StreamClient(host: "127.0.0.1", port: .value(port), configuration: configuration) { connection in
            if let line = try await connection.readLine() { greeter.recorder.record(line) }
            while try await connection.read() != nil {}
        }
        try await client.start()
        #expect(client.isReady)
        #expect(client.connectedCount == 0)

        let server = greeter.server(port: port)
        try await server.start()
        await greeter.recorder.wait(for: "hello")
        await client.stop()
        await server.stop()
    }

    @Test func waitingIsASetting() async throws {
        let client = StreamClient(port: 1) { _ in }
        client.settings = try Settings(overrides: ["stream_client.wait_for_connection": "false"])
        try await client.start()
        #expect(client.isReady)
        await client.stop()
    }
}
