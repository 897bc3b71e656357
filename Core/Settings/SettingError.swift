/// A configuration problem: it names the key, the source (file and line, variable, or flag),
/// what was expected, and the value found.
///
/// ```
/// setting rate_per_minute: expected int, got "fast" (/etc/hello/service.conf.yaml, line 3)
/// config file /etc/hello/service.conf.yaml, line 4, column 9: mapping values are not allowed here
/// ```
public struct SettingError: Error, Sendable, CustomStringConvertible {
    /// The setting's key, when the problem is with one setting.
    public var key: String?
    /// Where the bad value or file came from.
    public var source: SettingSource
    /// What is wrong, in words.
    public var reason: String

    /// A problem with the setting `key` (or the configuration as a whole when `nil`), whose value
    /// came from `source`.
    public init(key: String?, source: SettingSource, reason: String) {
        self.key = key
        self.source = source
        self.reason = reason
    }

    /// A value of the wrong type.
    public static func wrongType(key: String, expected: String, value: String, source: SettingSource) -> SettingError {
        SettingError(key: key, source: source, reason: "expected \(expected), got \"\(value)\"")
    }

    public var description: String {
        if let key { return "setting \(key): \(reason) (\(source))" }
        switch source {
        case .file(let path, let line?): return "config file \(path), line \(line): \(reason)"
        case .file(let path, nil): return "config file \(path): \(reason)"
        default: return "\(source): \(reason)"
        }
    }
}
