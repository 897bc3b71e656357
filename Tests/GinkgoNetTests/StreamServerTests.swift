import Ginkgo
import NIOCore
import Synchronization
import Testing

@testable import GinkgoNet
import TestSupport

/// Echoes every line back.
func echo(_ connection: Connection) async throws {
    for try await line in connection.lines {
        try await connection.write(line + "\n")
    }
}

@Suite(.timeLimit(.minutes(1)))
struct StreamServerTests {
    @Test(arguments: NetExecutor.allCases)
    func echoesLines(executor: NetExecutor) async throws {
        let server = StreamServer(host: "127.0.0.1", port: 0, configuration: .init(executor: executor), handler: echo)
        try await server.start()
        let port = try #require(server.port)
        #expect(port != 0)
        let replies = try await TestClient.withConnection(port: port) { connection async throws in
            var replies: [String] = []
            for line in ["hello", "wörld", ""] {
                try await connection.write(line + "\n")
                replies.append(try await connection.readLine() ?? "<eof>")
            }
            return replies
        }
        #expect(replies == ["hello", "wörld", ""])
        await server.stop()
        #expect(server.state == .stopped)
    }

    @Test(arguments: NetExecutor.allCases)
    func serves500ConcurrentConnections(executor: NetExecutor) async throws {
        // 500 connects arrive at once: the backlog must hold them all.
        let configuration = StreamServer.Configuration(backlog: 1024, executor: executor)
        let server = StreamServer(host: "127.0.0.1", port: 0, configuration: configuration, handler: echo)
        try await server.start()
        let port = try #require(server.port)
        let served = try await withThrowingTaskGroup(of: Bool.self) { group in
            for index in 0..<500 {
                group.addTask {
                    try await TestClient.withConnection(port: port) { connection async throws in
                        try await connection.write("client \(index)\n")
                        return try await connection.readLine() == "client \(index)"
                    }
                }
            }
            return try await group.reduce(0) { $0 + ($1 ? 1 : 0) }
        }
        #expect(served == 500)
        await server.stop()
    }

    /// A handler that fails because its peer left (writing after the client closed) is routine,
    /// logged at debug; a handler's own error is not mistaken for that.
    @Test func aPeerThatLeavesIsToldApartFromAHandlerThatFails() async throws {
        let failures = Mutex<[any Error]>([])
        let recorder = Recorder()
        let server = StreamServer(host: "127.0.0.1", port: 0) { connection in
            do {
                while try await connection.read() != nil {}
                for _ in 0..<100_000 { try await connection.write("late\n") }
            } catch {
                failures.withLock { $0.append(error) }
                recorder.record("failed")
                throw error
            }
        }
        try await server.start()
        let port = try #require(server.port)
        try await TestClient.withConnection(port: port) { _ in }
        await recorder.wait(for: "failed")
        let failure = try #require(failures.withLock { $0.first })
        #expect(NetError.saysThePeerLeft(failure), "\(failure)")
        #expect(!NetError.saysThePeerLeft(NetError(.lineTooLong, endpoint: "peer")))
        #expect(!NetError.saysThePeerLeft(CancellationError()))
        await server.stop()
    }

    @Test func overLongLinesAndBinaryGarbageEndOnlyTheirOwnConnection() async throws {
        let server = StreamServer(host: "127.0.0.1", port: 0, configuration: .init(maxLineLength: 1024), handler: echo)
        try await server.start()
        let port = try #require(server.port)
        try await TestClient.withConnection(port: port) { good async throws in
            try await good.write("before\n")
            #expect(try await good.readLine() == "before")

            let longLineClosed = try await TestClient.withConnection(port: port) { connection async throws in
                try await connection.write(String(repeating: "x", count: 5000))
                return try await connection.readLine() == nil
            }
            #expect(longLineClosed)

            let garbageClosed = try await TestClient.withConnection(port: port) { connection async throws in
                try await connection.write([0xFF, 0xFE, 0x00, 0xC3, 0x28, 0x0A] as [UInt8])
                return try await connection.readLine() == nil
            }
            #expect(garbageClosed)

            try await good.write("after\n")
            #expect(try await good.readLine() == "after")
        }
        await server.stop()
    }

    @Test func refusesConnectionsBeyondTheLimit() async throws {
        let server = StreamServer(host: "127.0.0.1", port: 0, configuration: .init(maxConnections: 2), handler: echo)
        try await server.start()
        let port = try #require(server.port)
        try await TestClient.withConnection(port: port) { first async throws in
            try await first.write("1\n")
            #expect(try await first.readLine() == "1")
            try await TestClient.withConnection(port: port) { second async throws in
                try await second.write("2\n")
                #expect(try await second.readLine() == "2")
                let refused = try await TestClient.withConnection(port: port) { third async throws in
                    try await third.readLine() == nil
                }
                #expect(refused)
                #expect(server.refusedConnections == 1)
                #expect(server.activeConnections == 2)
            }
        }
        await server.stop()
    }

    @Test func closesIdleConnections() async throws {
        let configuration = StreamServer.Configuration(idleTimeout: .milliseconds(100))
        let server = StreamServer(host: "127.0.0.1", port: 0, configuration: configuration, handler: echo)
        try await server.start()
        let port = try #require(server.port)
        let closed = try await TestClient.withConnection(port: port) { connection async throws in
            try await connection.readLine() == nil
        }
        #expect(closed)
        await server.stop()
    }

    @Test func stopClosesTheListenerThenDrainsThenCancels() async throws {
        let recorder = Recorder()
        let configuration = StreamServer.Configuration(drainTimeout: .milliseconds(200))
        let server = StreamServer(host: "127.0.0.1", port: 0, configuration: configuration) { connection in
            recorder.record("connected")
            do {
                while true { try await Task.sleep(for: .seconds(60)) }
            } catch {
                recorder.record("cancelled")
                throw error
            }
        }
        try await server.start()
        let port = try #require(server.port)
        try await TestClient.withConnection(port: port) { connection async throws in
            await recorder.wait(for: "connected")
            await server.stop()
            #expect(recorder.events == ["connected", "cancelled"])
            #expect(try await connection.readLine() == nil)
        }
        await #expect(throws: (any Error).self) {
            try await TestClient.withConnection(port: port) { _ in }
        }
    }

    @Test func drainingHandlersFinishOnTheirOwn() async throws {
        let recorder = Recorder()
        let server = StreamServer(host: "127.0.0.1", port: 0) { connection in
            try await connection.write("hello\n")
            while !connection.isDraining { try await Task.sleep(for: .milliseconds(5)) }
            try await connection.write("bye\n")
            recorder.record("finished")
        }
        try await server.start()
        let port = try #require(server.port)
        try await TestClient.withConnection(port: port) { connection async throws in
            #expect(try await connection.readLine() == "hello")
            await server.stop()
            #expect(try await connection.readLine() == "bye")
        }
        #expect(recorder.events == ["finished"])
    }

    @Test func servesTLS() async throws {
        let certificate = try Certificate.generate()
        defer { certificate.remove() }
        let tls = ServerTLS(certificateFile: certificate.certificateFile, privateKeyFile: certificate.privateKeyFile)
        let server = StreamServer(host: "127.0.0.1", port: 0, configuration: .init(tls: tls), handler: echo)
        try await server.start()
        let port = try #require(server.port)

        let recorder = Recorder()
        let clientTLS = ClientTLS(trustRootsFile: certificate.certificateFile, serverName: "localhost")
        let client = StreamClient(host: "127.0.0.1", port: .value(port), configuration: .init(tls: clientTLS)) {
            connection in
            try await connection.write("secret\n")
            if let line = try await connection.readLine() { recorder.record("got \(line)") }
            try await Task.sleep(for: .seconds(60))
        }
        try await client.start()
        await recorder.wait(for: "got secret")
        await client.stop()
        await server.stop()
    }

    @Test func readsHostAndPortFromSettings() async throws {
        let server = StreamServer(
            host: .setting("test.host", default: "0.0.0.0"),
            port: .setting("test.port", default: 7000),
            handler: echo
        )
        server.settings = try Settings(overrides: ["test.host": "127.0.0.1", "test.port": "0"])
        try await server.start()
        let port = try #require(server.port)
        try await TestClient.withConnection(port: port) { connection async throws in
            try await connection.write("configured\n")
            #expect(try await connection.readLine() == "configured")
        }
        #expect(server.settings.describeTree(server).map(\.key).contains("test.port"))
        await server.stop()
    }
}
