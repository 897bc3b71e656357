import Ginkgo
import GinkgoNet
import Hummingbird

/// The manual's "any web framework" example (1.3.5): a Hummingbird router, served by an
/// `HTTPServer` the way the original mounted a Flask app in its WSGI server.
///
/// ```
/// swift run quickstart AppServer                 # then: curl localhost:8000
/// ```
final class AppServer: Service, RunnableService, @unchecked Sendable {
    required init() {
        super.init()
        let router = Router()
        router.get("/") { _, _ in "Hello World!" }
        addService(HTTPServer(host: HelloWorldWebServer.host, port: HelloWorldWebServer.port, router: router))
    }
}
