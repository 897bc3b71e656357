import InMemoryLogging
import Logging

/// A logger whose messages a test reads back, without bootstrapping the logging system: swift-log's
/// `InMemoryLogHandler`, read as lines.
struct LogCollector: Sendable {
    private let handler: InMemoryLogHandler = {
        var handler = InMemoryLogHandler()
        handler.logLevel = .trace
        return handler
    }()

    /// Logs into this collector, at every level.
    var logger: Logger { Logger(label: "test") { _ in handler } }

    /// Every message so far, as `level message key=value ...`.
    var lines: [String] {
        handler.entries.map { entry in
            let fields = entry.metadata.sorted { $0.key < $1.key }.map { " \($0.key)=\($0.value)" }.joined()
            return "\(entry.level) \(entry.message)\(fields)"
        }
    }
}
