import Ginkgo
import GinkgoNet
import Hummingbird

/// The manual's web server (1.3.5): answers every request with a strong Hello World.
///
/// ```
/// swift run quickstart HelloWorldWebServer       # then: curl localhost:8000
/// ```
final class HelloWorldWebServer: Service, RunnableService, @unchecked Sendable {
    required init() {
        super.init()
        addService(HTTPServer(host: Self.host, port: Self.port, handler: Self.handle))
    }

    static let host = Configurable<String>.setting(
        "web.host",
        default: "0.0.0.0",
        help: "Address the web server listens on"
    )
    static let port = Configurable<Int>.setting("web.port", default: 8000, help: "Port of the web server")

    static func handle(_ request: Request) async throws -> Response {
        Response(
            status: .ok,
            headers: [.contentType: "text/html"],
            body: ResponseBody(byteBuffer: ByteBuffer(string: "<strong>Hello World</strong>"))
        )
    }
}
