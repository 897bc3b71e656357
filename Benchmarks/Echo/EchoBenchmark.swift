import BenchmarkSupport
import Ginkgo
import GinkgoNet
import NIOCore
import NIOPosix

/// Row 1 of the benchmarks: a `StreamServer` that echoes every byte it reads, on one event loop
/// (`--loops`) with handlers on the executor `--executor` names (`global` or `eventLoops`; the
/// `net.executor` setting's default when absent). `--default-executor` prints that default.
@main
struct EchoBenchmark {
    static func main() async throws {
        if CommandLine.arguments.contains("--default-executor") {
            return print(NetExecutor.setting.defaultValue)
        }
        NIOSingletons.groupLoopCountSuggestion = Arguments.int("--loops", default: 1)
        let executor = NetExecutor(rawValue: Arguments.string("--executor", default: NetExecutor.setting.defaultValue))
        let server = StreamServer(
            host: "127.0.0.1",
            port: .value(Arguments.int("--port", default: 0)),
            configuration: .init(executor: executor)
        ) { connection in
            while let bytes = try await connection.read() {
                try await connection.write(bytes)
            }
        }
        try await server.start()
        Report.listening(on: server.port ?? 0)
        try await server.waitUntil(.stopped, timeout: nil)
    }
}
