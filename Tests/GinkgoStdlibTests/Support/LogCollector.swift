import Logging
import Synchronization

/// A logger whose messages a test reads back, without bootstrapping the logging system.
final class LogCollector: Sendable {
    private let messages = Mutex<[String]>([])

    /// Logs into this collector, at every level.
    var logger: Logger {
        var logger = Logger(label: "test") { _ in Handler(collector: self) }
        logger.logLevel = .trace
        return logger
    }

    /// Every message so far, as `level message key=value ...`.
    var lines: [String] { messages.withLock { $0 } }

    private struct Handler: LogHandler {
        let collector: LogCollector
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            let all = metadata.merging(event.metadata ?? [:]) { $1 }
            let fields = all.sorted { $0.key < $1.key }.map { " \($0.key)=\($0.value)" }.joined()
            collector.messages.withLock { $0.append("\(event.level) \(event.message)\(fields)") }
        }
    }
}
