import Ginkgo
import GinkgoNet

/// The manual's first server (1.3.2): every TCP connection gets "Hello World" once a second.
///
/// ```
/// swift run quickstart HelloWorldServer          # then: nc localhost 7000
/// swift run quickstart HelloWorldServer --set server.port=7001
/// ```
final class HelloWorldServer: Service, RunnableService, @unchecked Sendable {
    required init() {
        super.init()
        addService(
            StreamServer(
                host: .setting("server.host", default: "0.0.0.0", help: "Address the Hello World server listens on"),
                port: .setting("server.port", default: 7000, help: "Port of the Hello World server"),
                handler: Self.handle
            )
        )
    }

    static func handle(_ connection: Connection) async throws {
        while !connection.isDraining {
            try await connection.write("Hello World\n")
            try await connection.sleep(for: .seconds(1))
        }
    }
}
