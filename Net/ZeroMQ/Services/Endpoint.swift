import Foundation
import Ginkgo

/// Where a ZeroMQ service binds or connects: an address given in code, or a setting that holds
/// one (so a config file, the environment or `--set` can change it).
///
/// ```swift
/// let replier = Replier(.bind("tcp://127.0.0.1:*")) { $0 }
/// let configured = Replier(.bind(.setting("zmq.endpoint", default: "tcp://127.0.0.1:5555"))) { $0 }
/// ```
/// Several addresses can be given separated by commas: `tcp://127.0.0.1:5555,ipc:///tmp/echo`.
public struct Endpoint: Sendable, ExpressibleByStringLiteral, CustomStringConvertible {
    enum Source: Sendable {
        case fixed(String)
        case setting(Setting<String>)
    }

    let source: Source

    /// A fixed address, such as `tcp://127.0.0.1:5555` or `tcp://127.0.0.1:*`.
    public init(_ address: String) {
        self.source = .fixed(address)
    }

    /// A fixed address from a string literal.
    public init(stringLiteral value: String) {
        self.init(value)
    }

    /// The address held by the setting `key`, read each time the service starts.
    public static func setting(_ key: String, default defaultValue: String, help: String = "") -> Endpoint {
        Endpoint(
            source: .setting(Setting(key, default: defaultValue, help: help.isEmpty ? "ZeroMQ endpoint" : help))
        )
    }

    private init(source: Source) {
        self.source = source
    }

    /// The setting, when the address comes from one.
    var setting: Setting<String>? {
        if case .setting(let setting) = source { return setting }
        return nil
    }

    /// The addresses to use now.
    func addresses(in settings: Settings) -> [String] {
        let text: String
        switch source {
        case .fixed(let address): text = address
        case .setting(let setting): text = settings.value(of: setting)
        }
        return text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    /// The address, or the setting's key and default.
    public var description: String {
        switch source {
        case .fixed(let address): address
        case .setting(let setting): "\(setting.key) (default \(setting.defaultValue))"
        }
    }
}
