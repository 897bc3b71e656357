import Ginkgo

/// A value a network service takes either as given or from a settings key, so a config file or
/// `--set` can move it.
///
/// Literals are values; `.setting` reads the key when the service starts:
/// ```swift
/// StreamServer(host: "0.0.0.0", port: .setting("hello.port", default: 7000)) { connection in
///     try await connection.write("Hello World\n")
/// }
/// ```
public enum Configurable<Value: SettingValue>: Sendable {
    /// A fixed value.
    case value(Value)
    /// The current value of a setting, read at start.
    case setting(Setting<Value>)

    /// The value of the settings key `key`, or `defaultValue` when no source sets it.
    public static func setting(_ key: String, default defaultValue: Value, help: String = "") -> Configurable {
        .setting(Setting(key, default: defaultValue, help: help))
    }

    /// The value now, read from `settings` if it is a setting.
    public func resolve(in settings: Settings) -> Value {
        switch self {
        case .value(let value): value
        case .setting(let setting): settings.value(of: setting)
        }
    }

    /// The setting, if the value comes from one (for `--help` and validation).
    var declaredSetting: Setting<Value>? {
        if case .setting(let setting) = self { return setting }
        return nil
    }
}

extension Configurable: ExpressibleByIntegerLiteral where Value == Int {
    /// A fixed port or count.
    public init(integerLiteral value: Int) {
        self = .value(value)
    }
}

extension Configurable: ExpressibleByUnicodeScalarLiteral where Value == String {
    /// A fixed string.
    public init(unicodeScalarLiteral value: String) {
        self = .value(value)
    }
}

extension Configurable: ExpressibleByExtendedGraphemeClusterLiteral where Value == String {
    /// A fixed string.
    public init(extendedGraphemeClusterLiteral value: String) {
        self = .value(value)
    }
}

extension Configurable: ExpressibleByStringLiteral where Value == String {
    /// A fixed host name or address.
    public init(stringLiteral value: String) {
        self = .value(value)
    }
}

extension Configurable: ExpressibleByBooleanLiteral where Value == Bool {
    /// A fixed flag.
    public init(booleanLiteral value: Bool) {
        self = .value(value)
    }
}
