import Logging
import Synchronization

/// The live logging configuration of a process run by the ``Runner``: a default level, levels
/// per logger label, the output and the line format. Reloading replaces it; loggers created
/// before see the change at once.
final class LogConfiguration: Sendable {
    struct State: Sendable {
        var defaultLevel: Logger.Level = .info
        /// Levels by label prefix: `App/Cluster` matches `App/Cluster` and `App/Cluster/Registry`.
        var levels: [(prefix: String, level: Logger.Level)] = []
        var output: LogOutput = .standardError
        var format = LogFormat.default
    }

    private let state = Mutex(State())

    func update(_ body: (inout State) -> Void) {
        state.withLock { body(&$0) }
    }

    var output: LogOutput { state.withLock { $0.output } }
    var format: LogFormat { state.withLock { $0.format } }

    /// The level for `label`: the longest matching prefix's, else the default.
    func level(for label: String) -> Logger.Level {
        state.withLock { state in
            var best: (length: Int, level: Logger.Level)?
            for (prefix, level) in state.levels
            where label == prefix || label.hasPrefix(prefix + "/") || label.hasPrefix(prefix + ".") {
                if prefix.count > (best?.length ?? -1) { best = (prefix.count, level) }
            }
            return best?.level ?? state.defaultLevel
        }
    }
}
