import Ginkgo
import Hummingbird
import NIOCore
import NIOPosix
import Testing

@testable import GinkgoNet

@Suite(.timeLimit(.minutes(1)))
struct NetExecutorTests {
    @Test(arguments: NetExecutor.allCases)
    func streamHandlersRunWhereTheSettingSays(executor: NetExecutor) async throws {
        let server = StreamServer(host: "127.0.0.1", port: 0) { connection in
            try await connection.write("\(MultiThreadedEventLoopGroup.currentEventLoop != nil)\n")
        }
        server.settings = try Settings(overrides: ["net.executor": executor.rawValue])
        try await server.start()
        let port = try #require(server.port)
        let onEventLoop = try await TestClient.withConnection(port: port) { try await $0.readLine() }
        #expect(onEventLoop == "\(executor == .eventLoops)")
        await server.stop()
    }

    @Test(arguments: NetExecutor.allCases)
    func httpHandlersRunWhereTheSettingSays(executor: NetExecutor) async throws {
        let web = HTTPServer(host: "127.0.0.1", port: 0) { _ in
            let onEventLoop = MultiThreadedEventLoopGroup.currentEventLoop != nil
            return Response(status: .ok, body: .init(byteBuffer: ByteBuffer(string: "\(onEventLoop)")))
        }
        web.settings = try Settings(overrides: ["net.executor": executor.rawValue])
        try await web.start()
        let port = try #require(web.port)
        #expect(try await TestClient.get(port: port).body == "\(executor == .eventLoops)")
        await web.stop()
    }
}
