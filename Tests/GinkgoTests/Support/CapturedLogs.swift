import Logging
import Synchronization

/// Captures every log message of the test process (labels and text), for tests that check
/// what a service logged. Services created after `bootstrap()` log here.
enum CapturedLogs {
    struct Entry: Sendable {
        var label: String
        var level: Logger.Level
        var message: String
    }

    private static let entries = Mutex<[Entry]>([])
    private static let bootstrapped: Void = LoggingSystem.bootstrap { label in Handler(label: label) }

    static func bootstrap() { _ = bootstrapped }

    static func messages(label: String) -> [Entry] {
        entries.withLock { $0.filter { $0.label == label } }
    }

    private struct Handler: LogHandler {
        let label: String
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            let entry = Entry(label: label, level: event.level, message: "\(event.message)")
            CapturedLogs.entries.withLock { $0.append(entry) }
        }
    }
}
