import BenchmarkSupport
import Hummingbird
import NIOPosix

/// Row 2's main reference: Hummingbird's own hello world, as its documentation writes it, on one
/// event loop unless `--loops` says otherwise.
@main
struct HummingbirdHello {
    static func main() async throws {
        let router = Router()
        router.get("/") { _, _ in "Hello World!" }
        let app = Application(
            router: router,
            configuration: .init(address: .hostname("127.0.0.1", port: Arguments.int("--port", default: 0))),
            onServerRunning: { channel in Report.listening(on: channel.localAddress?.port ?? 0) },
            eventLoopGroupProvider: .shared(
                MultiThreadedEventLoopGroup(numberOfThreads: Arguments.int("--loops", default: 1))
            )
        )
        try await app.runService()
    }
}
