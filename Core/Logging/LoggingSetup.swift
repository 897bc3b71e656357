import Foundation
import Logging

/// Installs the runner's log handler once per process and applies the logging settings to it,
/// at start and again on every reload.
enum LoggingSetup {
    static let configuration = LogConfiguration()

    private static let bootstrapped: Void = LoggingSystem.bootstrap { label in
        GinkgoLogHandler(label: label, configuration: configuration)
    }

    /// Applies `loglevel`, `logconfig.*` and `logfile`; a file output is reopened, so a log file
    /// that logrotate moved away is replaced by a new one.
    ///
    /// - Parameter daemonized: a daemon logs to its log file unless `logconfig.output` says
    ///   otherwise; a foreground process to standard error.
    static func apply(_ builtins: RunnerSettings, daemonized: Bool) throws(RunnerError) {
        _ = bootstrapped
        let defaultLevel = Logger.Level(name: builtins.loglevel) ?? .info
        let levels: [(prefix: String, level: Logger.Level)] = builtins.levels.compactMap { entry in
            let parts = entry.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2, let level = Logger.Level(name: parts[1]) else { return nil }
            return (parts[0], level)
        }
        let kind: LogOutput.Kind
        switch builtins.output ?? (daemonized ? "file" : "stderr") {
        case "file": kind = .file(builtins.logfilePath)
        case "syslog": kind = .syslog(builtins.serviceName)
        default: kind = .standardError
        }
        let previous = configuration.output
        let output: LogOutput
        if previous.kind == kind {
            previous.reopen()
            output = previous
        } else {
            switch kind {
            case .file(let path): output = try .file(path)
            case .syslog(let ident): output = .syslog(ident: ident)
            case .standardError: output = .standardError
            }
        }
        if daemonized, case .file(let path) = kind {
            redirectStandardStreams(to: path)
        }
        let format = LogFormat(template: builtins.format)
        configuration.update { state in
            state.defaultLevel = defaultLevel
            state.levels = levels
            state.output = output
            state.format = format
        }
        if output !== previous { previous.close() }
    }

    /// Points a daemon's stdout and stderr at the (reopened) log file, so stray output and crash
    /// reports land beside the log.
    private static func redirectStandardStreams(to path: String) {
        let descriptor = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { return }
        dup2(descriptor, STDOUT_FILENO)
        dup2(descriptor, STDERR_FILENO)
        close(descriptor)
    }
}
