public import Configuration

/// A source's value is not of the setting's type.
struct NotConvertible: Error {}

/// A type a ``Setting`` can hold: String, Int, Double, Bool, Duration, [String], or an optional
/// of one of them.
public protocol SettingValue: Sendable, Equatable {
    /// The type's name in help and error messages: `string`, `int`, `duration`, ….
    static var settingTypeName: String { get }

    /// Reads the value of `key` from one configuration source; `nil` if the source has none.
    ///
    /// - Throws: if the source has a value that is not of this type.
    static func read(_ key: AbsoluteConfigKey, from source: any ConfigSnapshot) throws -> Self?

    /// The value as help and logs show it.
    var settingDescription: String { get }
}

extension SettingValue {
    static func content(_ key: AbsoluteConfigKey, _ type: ConfigType, in source: any ConfigSnapshot) throws
        -> ConfigContent?
    {
        try source.value(forKey: key, type: type).value?.content
    }
}

extension String: SettingValue {
    public static var settingTypeName: String { "string" }
    public static func read(_ key: AbsoluteConfigKey, from source: any ConfigSnapshot) throws -> String? {
        guard case .string(let value) = try content(key, .string, in: source) else { return nil }
        return value
    }
    public var settingDescription: String { self }
}

extension Int: SettingValue {
    public static var settingTypeName: String { "int" }
    public static func read(_ key: AbsoluteConfigKey, from source: any ConfigSnapshot) throws -> Int? {
        guard case .int(let value) = try content(key, .int, in: source) else { return nil }
        return value
    }
    public var settingDescription: String { String(self) }
}

extension Double: SettingValue {
    public static var settingTypeName: String { "double" }
    public static func read(_ key: AbsoluteConfigKey, from source: any ConfigSnapshot) throws -> Double? {
        do {
            guard case .double(let value) = try content(key, .double, in: source) else { return nil }
            return value
        } catch {
            // JSON keeps `3` an integer; a double setting accepts it.
            guard case .int(let value) = try? content(key, .int, in: source) else { throw error }
            return Double(value)
        }
    }
    public var settingDescription: String { String(self) }
}

extension Bool: SettingValue {
    public static var settingTypeName: String { "bool" }
    public static func read(_ key: AbsoluteConfigKey, from source: any ConfigSnapshot) throws -> Bool? {
        guard case .bool(let value) = try content(key, .bool, in: source) else { return nil }
        return value
    }
    public var settingDescription: String { String(self) }
}

extension Duration: SettingValue {
    public static var settingTypeName: String { "duration" }
    public static func read(_ key: AbsoluteConfigKey, from source: any ConfigSnapshot) throws -> Duration? {
        let text: String
        do {
            guard case .string(let value) = try content(key, .string, in: source) else { return nil }
            text = value
        } catch {
            // A JSON number: seconds.
            guard let seconds = try? Double.read(key, from: source) else { throw error }
            text = String(seconds)
        }
        guard let duration = Duration(settingString: text) else {
            throw NotConvertible()
        }
        return duration
    }
}

extension Array: SettingValue where Element == String {
    public static var settingTypeName: String { "[string]" }
    public static func read(_ key: AbsoluteConfigKey, from source: any ConfigSnapshot) throws -> [String]? {
        guard case .stringArray(let value) = try content(key, .stringArray, in: source) else { return nil }
        return value
    }
    public var settingDescription: String { "[" + joined(separator: ", ") + "]" }
}

extension Optional: SettingValue where Wrapped: SettingValue {
    public static var settingTypeName: String { Wrapped.settingTypeName }
    public static func read(_ key: AbsoluteConfigKey, from source: any ConfigSnapshot) throws -> Wrapped?? {
        try Wrapped.read(key, from: source).map { .some($0) }
    }
    public var settingDescription: String { map(\.settingDescription) ?? "none" }
}
