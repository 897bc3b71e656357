import Foundation
import Ginkgo
import Logging

/// Settings for the tool commands, read like the runner reads them: `--set`, then the
/// environment, then the config file.
enum ToolSettings {
    static func load(file: String?, overrides: [String]) throws -> Settings {
        var pairs: [String: String] = [:]
        for override in overrides {
            guard let equals = override.firstIndex(of: "="), equals != override.startIndex else {
                throw SettingError(key: nil, source: .default, reason: "--set expects key=value, got \"\(override)\"")
            }
            pairs[String(override[..<equals])] = String(override[override.index(after: equals)...])
        }
        let environment = ProcessInfo.processInfo.environment
        if let file { return try Settings(file: file, overrides: pairs, environment: environment) }
        return try Settings(overrides: pairs, environment: environment)
    }

    /// What a command does first: quiets logging, then loads the settings — or prints why they
    /// do not load and returns `nil` (the command exits 78).
    static func prepare(_ command: String, file: String?, overrides: [String]) -> Settings? {
        quietLogging()
        do {
            return try load(file: file, overrides: overrides)
        } catch {
            fail(command, error)
            return nil
        }
    }

    /// Sends log lines of warning and above to standard error, so a command's output is only its
    /// answer. Called once, first thing, by each command.
    static func quietLogging() {
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = .warning
            return handler
        }
    }

    /// Prints `ginkgo COMMAND: error` to standard error.
    static func fail(_ command: String, _ error: any Error) {
        FileHandle.standardError.write(Data("ginkgo \(command): \(error)\n".utf8))
    }
}
