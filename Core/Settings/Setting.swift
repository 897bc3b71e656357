/// A configuration setting of a ``Service``, read live from the tree's ``Settings``.
///
/// ```swift
/// final class HelloWorld: Service {
///     @Setting("message", default: "Hello World", help: "Message to print out while running")
///     var message: String
///
///     @Setting("rate_per_minute", default: 60, help: "Rate at which to emit message")
///     var rate: Int
/// }
/// ```
/// Every read returns the current value — from `--set`, the environment (`RATE_PER_MINUTE`),
/// the config file, or the default, highest first — so after a reload the new value is seen at
/// once. `$rate.changes` is an async sequence of the new values after each reload that
/// changed it.
///
/// Settings of type String, Int, Double, Bool, Duration (`250ms`, `2s`, `1m`), [String], and
/// optionals of them are supported. Mark passwords and tokens `secret: true`: help and logs
/// never show their values.
@propertyWrapper
public struct Setting<Value: SettingValue>: Sendable {
    /// The key in config files; `a.b_c` is `A_B_C` in the environment.
    public let key: String
    /// The value when no source sets the key.
    public let defaultValue: Value
    /// One line on what the setting does, for `--help`.
    public let help: String
    /// Whether the value is hidden in help and logs.
    public let isSecret: Bool

    /// Declares a setting.
    public init(_ key: String, default defaultValue: Value, help: String = "", secret: Bool = false) {
        self.key = key
        self.defaultValue = defaultValue
        self.help = help
        self.isSecret = secret
    }

    @available(*, unavailable, message: "@Setting is only available on properties of Service subclasses")
    public var wrappedValue: Value {
        get { fatalError("unavailable") }
    }

    @available(*, unavailable, message: "@Setting is only available on properties of Service subclasses")
    public var projectedValue: SettingBinding<Value> {
        get { fatalError("unavailable") }
    }

    public static subscript<EnclosingSelf: Service>(
        _enclosingInstance service: EnclosingSelf,
        wrapped wrappedKeyPath: KeyPath<EnclosingSelf, Value>,
        storage storageKeyPath: KeyPath<EnclosingSelf, Setting<Value>>
    ) -> Value {
        service.settings.value(of: service[keyPath: storageKeyPath])
    }

    public static subscript<EnclosingSelf: Service>(
        _enclosingInstance service: EnclosingSelf,
        projected projectedKeyPath: KeyPath<EnclosingSelf, SettingBinding<Value>>,
        storage storageKeyPath: KeyPath<EnclosingSelf, Setting<Value>>
    ) -> SettingBinding<Value> {
        SettingBinding(setting: service[keyPath: storageKeyPath], settings: service.settings)
    }
}

/// A setting together with the ``Settings`` it is read from: `$setting` on a service.
public struct SettingBinding<Value: SettingValue>: Sendable {
    /// The setting's declaration.
    public let setting: Setting<Value>
    /// Where it is read from.
    public let settings: Settings

    /// The current value.
    public var value: Value { settings.value(of: setting) }

    /// Where the current value comes from.
    public var source: SettingSource { (try? settings.lookup(setting).source) ?? .default }

    /// The new value after each reload that changed it.
    ///
    /// ```swift
    /// spawn {
    ///     for await rate in self.$rate.changes { self.logger.info("rate is now \(rate)") }
    /// }
    /// ```
    public var changes: AsyncStream<Value> { settings.changes(of: setting) }
}

/// A setting with its value type erased, for listing and checking the settings of a tree.
protocol AnySetting: Sendable {
    var key: String { get }
    var help: String { get }
    var isSecret: Bool { get }
    var typeName: String { get }
    var defaultDescription: String { get }
    func describe(in settings: Settings) -> SettingInfo
    func check(in settings: Settings) throws
}

extension Setting: AnySetting {
    var typeName: String { Value.settingTypeName }
    var defaultDescription: String { isSecret ? SettingInfo.redacted : defaultValue.settingDescription }

    func describe(in settings: Settings) -> SettingInfo {
        let current: String
        let source: SettingSource
        do {
            let found = try settings.lookup(self)
            current = isSecret ? SettingInfo.redacted : found.value.settingDescription
            source = found.source
        } catch {
            current = "invalid (\(error))"
            source = .default
        }
        return SettingInfo(
            key: key,
            type: typeName,
            defaultValue: defaultDescription,
            currentValue: current,
            source: source,
            help: help
        )
    }

    func check(in settings: Settings) throws {
        _ = try settings.lookup(self)
    }
}
