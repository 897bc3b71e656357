import Ginkgo
import Hummingbird
import NIOCore
import Testing

@testable import GinkgoNet
import TestSupport

@Suite(.timeLimit(.minutes(1)))
struct HTTPServerTests {
    @Test(arguments: NetExecutor.allCases)
    func servesAClosure(executor: NetExecutor) async throws {
        let web = HTTPServer(host: "127.0.0.1", port: 0, configuration: .init(executor: executor)) { request in
            Response(
                status: .ok,
                headers: [.contentType: "text/html"],
                body: .init(byteBuffer: ByteBuffer(string: "<strong>Hello World</strong> \(request.uri.path)"))
            )
        }
        try await web.start()
        let port = try #require(web.port)
        #expect(port != 0)
        let response = try await TestClient.get(port: port, path: "/there")
        #expect(response.status == 200)
        #expect(response.headers.lowercased().contains("content-type: text/html"))
        #expect(response.body == "<strong>Hello World</strong> /there")
        await web.stop()
        #expect(web.state == .stopped)
    }

    @Test func servesAHummingbirdRouter() async throws {
        let router = Router()
        router.get("/") { _, _ in "Hello World!" }
        let app = HTTPServer(host: "127.0.0.1", port: 0, router: router)
        try await app.start()
        let port = try #require(app.port)
        let hello = try await TestClient.get(port: port)
        #expect(hello.status == 200)
        #expect(hello.body == "Hello World!")
        let missing = try await TestClient.get(port: port, path: "/missing")
        #expect(missing.status == 404)
        await app.stop()
    }

    @Test func gracefulStopFinishesInFlightRequests() async throws {
        let recorder = Recorder()
        let web = HTTPServer(host: "127.0.0.1", port: 0) { _ in
            recorder.record("request started")
            await recorder.wait(for: "release")
            return Response(status: .ok, body: .init(byteBuffer: ByteBuffer(string: "finished")))
        }
        try await web.start()
        let port = try #require(web.port)
        async let response = TestClient.get(port: port)
        await recorder.wait(for: "request started")
        async let stopped: Void = web.stop()
        try await web.waitUntil(.stopping)
        recorder.record("release")
        let finished = try await response
        await stopped
        #expect(finished.status == 200)
        #expect(finished.body == "finished")
        #expect(web.state == .stopped)
    }

    @Test func failsToStartOnAPortInUse() async throws {
        let first = HTTPServer(host: "127.0.0.1", port: 0) { _ in Response(status: .ok) }
        try await first.start()
        let port = try #require(first.port)
        let second = HTTPServer(host: "127.0.0.1", port: .value(port)) { _ in Response(status: .ok) }
        await #expect(throws: ServiceError.self) { try await second.start() }
        #expect(second.state == .stopped)
        await first.stop()
    }
}
