import Foundation
import Ginkgo

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

    /// Prints `ginkgo COMMAND: error` to standard error.
    static func fail(_ command: String, _ error: any Error) {
        FileHandle.standardError.write(Data("ginkgo \(command): \(error)\n".utf8))
    }
}
