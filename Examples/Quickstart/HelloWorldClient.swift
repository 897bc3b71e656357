import Foundation
import Ginkgo
import GinkgoNet

/// The manual's client (1.3.3): keeps a connection to the Hello World server and prints every
/// line it receives; it reconnects whenever the server goes away and comes back.
///
/// ```
/// swift run quickstart HelloWorldClient
/// ```
final class HelloWorldClient: Service, RunnableService, @unchecked Sendable {
    required init() {
        super.init()
        var configuration = StreamClient.Configuration()
        configuration.waitsForConnection = false
        addService(
            StreamClient(
                host: .setting("client.host", default: "127.0.0.1", help: "Host the Hello World client connects to"),
                port: .setting("server.port", default: 7000, help: "Port of the Hello World server"),
                configuration: configuration,
                handler: Self.handle
            )
        )
    }

    static func handle(_ connection: Connection) async throws {
        for try await line in connection.lines {
            // Unbuffered, so a pipe sees each line at once.
            FileHandle.standardOutput.write(Data((line + "\n").utf8))
        }
    }
}
