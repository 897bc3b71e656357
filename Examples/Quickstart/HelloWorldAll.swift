import Ginkgo

/// The manual's final composition (1.3.4–1.3.5): the Hello World server, a client of it, and the
/// web server in one tree. The manual reuses the name `HelloWorld` for it; here that name stays
/// with the first service of the tutorial, so this one is `HelloWorldAll`.
///
/// ```
/// swift run quickstart HelloWorldAll             # nc localhost 7000; curl localhost:8000
/// ```
final class HelloWorldAll: Service, RunnableService, @unchecked Sendable {
    required init() {
        super.init()
        addService(HelloWorldServer())
        addService(HelloWorldClient())
        addService(HelloWorldWebServer())
    }
}
