import Configuration
import Foundation
import Logging
import Synchronization

/// The configuration a service tree reads its ``Setting``s from: layered sources, highest
/// first — overrides (`--set key=value`), the environment, a YAML or JSON config file — then each
/// setting's default.
///
/// ```swift
/// let settings = try Settings(file: "service.conf.yaml", overrides: ["message": "hi"])
/// let app = HelloWorld()
/// app.settings = settings
/// try await app.start()
/// // ... edit the file, then:
/// try settings.reload()
/// ```
/// A tree reads the settings of its root (or of the nearest ancestor given some); a service in
/// no tree with none of its own reads ``Settings/default``, the process environment.
///
/// Reloading re-reads the file: a key deleted from it falls back to the lower sources, and a
/// file that no longer parses is reported with its error while the old values stay in force.
public final class Settings: Sendable {
    private struct Layers: Sendable {
        var overrides: [String: String]
        var overrideSource: EnvironmentVariablesProvider
        var environment: [String: String]
        var environmentSource: EnvironmentVariablesProvider
        var file: ConfigFile?
    }

    private struct State: Sendable {
        var layers: Layers
        var cache: [CacheKey: any Sendable] = [:]
        var subscribers: [UInt64: @Sendable () -> Void] = [:]
        var nextSubscriber: UInt64 = 0
    }

    /// A setting's key and value type: one key may be read as different types.
    private struct CacheKey: Hashable, Sendable {
        var key: String
        var type: ObjectIdentifier
    }

    private struct CachedLookup<Value: Sendable>: Sendable {
        var value: Value?
    }

    private let state: Mutex<State>
    /// The config file, if any; relative paths in it resolve against its directory.
    public let filePath: String?

    /// The settings of services in no configured tree: the process environment and defaults.
    public static let `default` = Settings(
        file: nil as ConfigFile?,
        overrides: [:],
        environment: ProcessInfo.processInfo.environment
    )

    /// Creates settings from an optional config file, overrides and an environment.
    ///
    /// - Parameters:
    ///   - file: a YAML or JSON file (JSON if it ends in `.json`).
    ///   - overrides: values that beat every other source, as `--set key=value` gives them.
    ///   - environment: variables to read settings from: `example.setting` is `EXAMPLE_SETTING`.
    /// - Throws: ``SettingError`` if the file is missing or malformed, naming it and the line.
    public convenience init(
        file: String? = nil,
        overrides: [String: String] = [:],
        environment: [String: String] = [:]
    ) throws(SettingError) {
        let configFile = try file.map { path throws(SettingError) in try ConfigFile(path: path) }
        self.init(file: configFile, overrides: overrides, environment: environment)
    }

    private init(file: ConfigFile?, overrides: [String: String], environment: [String: String]) {
        self.filePath = file?.path
        let encodedOverrides = Dictionary(
            overrides.map { (Self.variableName(for: $0.key), $0.value) },
            uniquingKeysWith: { _, last in last }
        )
        self.state = Mutex(
            State(
                layers: Layers(
                    overrides: overrides,
                    overrideSource: EnvironmentVariablesProvider(environmentVariables: encodedOverrides),
                    environment: environment,
                    environmentSource: EnvironmentVariablesProvider(environmentVariables: environment),
                    file: file
                )
            )
        )
    }

    /// The environment variable that sets `key`: `example.setting` → `EXAMPLE_SETTING`.
    public static func variableName(for key: String) -> String {
        let lookup = try? EnvironmentVariablesProvider(environmentVariables: [:])
            .value(forKey: AbsoluteConfigKey(ConfigKey(key)), type: .string)
        return lookup?.encodedKey ?? key
    }

    /// Re-reads the config file. On success every setting shows its new value and `changes`
    /// sequences are told; on failure the old values stay and the error is thrown.
    ///
    /// - Parameter trees: services whose settings the new file must satisfy (see
    ///   ``validateTree(_:)``); if one does not, the new file is rejected.
    public func reload(validating trees: [Service] = []) throws(SettingError) {
        guard let filePath else { return }
        let file = try ConfigFile(path: filePath)
        if !trees.isEmpty {
            let layers = state.withLock { $0.layers }
            let candidate = Settings(file: file, overrides: layers.overrides, environment: layers.environment)
            for tree in trees { try candidate.validateTree(tree) }
        }
        let subscribers = state.withLock { state in
            state.layers.file = file
            state.cache = [:]
            return Array(state.subscribers.values)
        }
        for notify in subscribers { notify() }
    }

    /// `path` as the value of `setting` means it: a relative path from the config file is
    /// relative to the file's directory; any other is relative to the working directory.
    public func resolvePath<Value>(_ path: String, of setting: Setting<Value>) -> String {
        guard !path.hasPrefix("/"), case .file(let file, _)? = try? lookup(setting).source else { return path }
        return URL(fileURLWithPath: file).deletingLastPathComponent().appendingPathComponent(path).path
    }

    /// A top-level string of the config file, such as its `service` key.
    public func fileString(forKey key: String) -> String? {
        state.withLock { $0.layers.file }?.string(forKey: key)
    }

    /// The current value of `setting`; a value of the wrong type is logged and the default
    /// used (``validate(_:)`` reports such values at start).
    public func value<Value>(of setting: Setting<Value>) -> Value {
        // The cache holds what the sources say (nil: none sets the key), not the default, which
        // differs between settings of one key.
        let cacheKey = CacheKey(key: setting.key, type: ObjectIdentifier(Value.self))
        if let entry = state.withLock({ $0.cache[cacheKey] }) as? CachedLookup<Value> {
            return entry.value ?? setting.defaultValue
        }
        var found: Value?
        do {
            let lookup = try self.lookup(setting)
            found = lookup.source == .default ? nil : lookup.value
        } catch {
            Logger(label: "settings").error("\(error); using the default")
        }
        state.withLock { $0.cache[cacheKey] = CachedLookup(value: found) }
        return found ?? setting.defaultValue
    }

    /// The current value of `setting` and where it comes from.
    ///
    /// - Throws: ``SettingError`` naming the key, source, expected type and value when a source
    ///   has a value of the wrong type.
    public func lookup<Value>(_ setting: Setting<Value>) throws(SettingError) -> (value: Value, source: SettingSource) {
        let layers = state.withLock { $0.layers }
        let key = AbsoluteConfigKey(ConfigKey(setting.key))
        let shown = { (raw: String) in setting.isSecret ? SettingInfo.redacted : raw }
        do {
            if let value = try Value.read(key, from: layers.overrideSource.snapshot()) {
                return (value, .override(key: setting.key))
            }
        } catch {
            throw .wrongType(
                key: setting.key,
                expected: Value.settingTypeName,
                value: shown(layers.overrides[setting.key] ?? ""),
                source: .override(key: setting.key)
            )
        }
        do {
            if let value = try Value.read(key, from: layers.environmentSource.snapshot()) {
                return (value, .environment(variable: Self.variableName(for: setting.key)))
            }
        } catch {
            let variable = Self.variableName(for: setting.key)
            throw .wrongType(
                key: setting.key,
                expected: Value.settingTypeName,
                value: shown(layers.environment[variable] ?? ""),
                source: .environment(variable: variable)
            )
        }
        if let file = layers.file {
            do {
                if let value = try Value.read(key, from: file.snapshot) {
                    return (value, .file(path: file.path, line: file.location(of: setting.key)?.line))
                }
            } catch {
                let location = file.location(of: setting.key)
                throw .wrongType(
                    key: setting.key,
                    expected: Value.settingTypeName,
                    value: shown(location?.text ?? ""),
                    source: .file(path: file.path, line: location?.line)
                )
            }
        }
        return (setting.defaultValue, .default)
    }

    /// The new value of `setting` after each reload that changed it.
    public func changes<Value>(of setting: Setting<Value>) -> AsyncStream<Value> {
        AsyncStream(bufferingPolicy: .bufferingNewest(1)) { continuation in
            let last = Mutex(value(of: setting))
            let id = state.withLock { state in
                state.nextSubscriber += 1
                state.subscribers[state.nextSubscriber] = { [weak self] in
                    guard let self else { return }
                    let new = self.value(of: setting)
                    let changed = last.withLock { last in
                        defer { last = new }
                        return last != new
                    }
                    if changed { continuation.yield(new) }
                }
                return state.nextSubscriber
            }
            continuation.onTermination = { [weak self] _ in
                _ = self?.state.withLock { $0.subscribers.removeValue(forKey: id) }
            }
        }
    }
}
