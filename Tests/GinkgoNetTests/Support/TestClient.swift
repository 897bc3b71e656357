import NIOCore
import NIOPosix
import NIOSSL

@testable import GinkgoNet

/// Test-side TCP clients that reuse GinkgoNet's `Connection` for line reading.
enum TestClient {
    /// Connects to `127.0.0.1:port`, runs `body` with the connection, then closes it.
    static func withConnection<Result: Sendable>(
        port: Int,
        maxLineLength: Int = 1 << 20,
        _ body: (Connection) async throws -> Result
    ) async throws -> Result {
        let bridge = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelOption(.allowRemoteHalfClosure, value: true)
            .connect(host: "127.0.0.1", port: port) { channel in
                channel.eventLoop.makeCompletedFuture { try ChannelSetup.wrap(channel, ChannelSetup.Options()) }
            }
        let connection = Connection(bridge: bridge, maxLineLength: maxLineLength, drain: nil)
        do {
            let result = try await body(connection)
            await bridge.close()
            return result
        } catch {
            await bridge.close()
            throw error
        }
    }

    /// Sends one HTTP/1.1 request and returns the status code and body of the response.
    static func get(port: Int, path: String = "/") async throws -> (status: Int, headers: String, body: String) {
        try await withConnection(port: port) { connection in
            try await connection.write("GET \(path) HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
            var response = ""
            while let chunk = try await connection.read() {
                response += String(decoding: chunk.readableBytesView, as: UTF8.self)
            }
            let parts = response.split(separator: "\r\n\r\n", maxSplits: 1, omittingEmptySubsequences: false)
            let head = parts.first.map(String.init) ?? ""
            let status = head.split(separator: " ").dropFirst().first.flatMap { Int($0) } ?? 0
            return (status, head, parts.count > 1 ? String(parts[1]) : "")
        }
    }
}
