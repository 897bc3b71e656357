import Ginkgo
import GinkgoNet
import Hummingbird
import Testing
import TestSupport

/// The code of the README's networking section, run as written (ports 0 instead of fixed ones).
@Suite(.timeLimit(.minutes(1)))
struct ReadmeExamplesTests {
    @Test func streamServerAndClient() async throws {
        let echo = StreamServer(host: "127.0.0.1", port: 0) { connection in
            for try await line in connection.lines {
                try await connection.write(line + "\n")
            }
        }
        try await echo.start()
        print("listening on", echo.port!)  // the bound port, once ready

        let recorder = Recorder()
        let client = StreamClient(host: "127.0.0.1", port: .value(echo.port!)) { connection in
            try await connection.write("ping\n")
            for try await line in connection.lines { recorder.record(line) }
        }
        try await client.start()  // returns once connected
        await recorder.wait(for: "ping")
        await client.stop()
        await echo.stop()
    }

    @Test func httpServerWithAClosureAndARouter() async throws {
        let web = HTTPServer(port: 0) { request in
            Response(
                status: .ok,
                headers: [.contentType: "text/html"],
                body: .init(byteBuffer: ByteBuffer(string: "<strong>Hello World</strong>"))
            )
        }

        let router = Router()
        router.get("/") { _, _ in "Hello World!" }
        let app = HTTPServer(port: 0, router: router)

        try await web.start()
        try await app.start()
        #expect(try await TestClient.get(port: web.port!).body == "<strong>Hello World</strong>")
        #expect(try await TestClient.get(port: app.port!).body == "Hello World!")
        await app.stop()
        await web.stop()
    }

    @Test func hostAndPortFromSettings() async throws {
        let handle: StreamServer.Handler = { connection in try await connection.write("hi\n") }
        let server = StreamServer(
            host: .setting("server.host", default: "0.0.0.0"),
            port: .setting("server.port", default: 7000),
            handler: handle
        )
        server.settings = try Settings(overrides: ["server.port": "0"])
        try await server.start()
        let port = try #require(server.port)
        #expect(
            try await TestClient.withConnection(port: port) { connection async throws in try await connection.readLine()
            } == "hi"
        )
        await server.stop()
    }
}
