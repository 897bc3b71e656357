import BenchmarkSupport
import Ginkgo
import GinkgoNet
import Hummingbird
import NIOCore
import NIOPosix

/// Row 2 of the benchmarks: `HTTPServer` serving a Hummingbird router's hello world, on one event
/// loop unless `--loops` says otherwise.
@main
struct HTTPBenchmark {
    static func main() async throws {
        NIOSingletons.groupLoopCountSuggestion = Arguments.int("--loops", default: 1)
        let router = Router()
        router.get("/") { _, _ in "Hello World!" }
        let server = HTTPServer(
            host: "127.0.0.1",
            port: .value(Arguments.int("--port", default: 0)),
            configuration: .init(executor: NetExecutor(rawValue: Arguments.string("--executor", default: "global"))),
            router: router
        )
        try await server.start()
        Report.listening(on: server.port ?? 0)
        try await server.waitUntil(.stopped, timeout: nil)
    }
}
