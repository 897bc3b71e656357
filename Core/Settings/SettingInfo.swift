/// One setting of a tree, as `--help` lists it.
public struct SettingInfo: Sendable, Hashable {
    /// The key, such as `rate_per_minute`.
    public var key: String
    /// The value type: `string`, `int`, `double`, `bool`, `duration`, `[string]`.
    public var type: String
    /// The default value, as written in help.
    public var defaultValue: String
    /// The current value, as written in help (secrets redacted).
    public var currentValue: String
    /// Where the current value comes from.
    public var source: SettingSource
    /// What the setting does.
    public var help: String

    /// How secret values appear in help and logs.
    public static let redacted = "********"
}
