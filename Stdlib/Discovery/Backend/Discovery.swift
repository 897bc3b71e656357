public import Ginkgo
import Foundation
import Synchronization

/// The connection to discovery that ``Announcer`` and ``Resolver`` share: a backend chosen by
/// the settings (or given in code), run for as long as the service runs.
///
/// | setting | default | meaning |
/// | --- | --- | --- |
/// | `discovery.backend` | `embedded` | `embedded` (a ``Registry``) or `etcd` |
/// | `discovery.endpoints` | the backend's local default | comma-separated addresses; `beacon` finds the registry by its UDP beacon |
/// | `discovery.timeout` | `2s` | how long one request may take |
///
/// ```swift
/// final class Worker: Service, RunnableService, @unchecked Sendable {
///     let discovery = Discovery()
///     required init() {
///         super.init()
///         addService(discovery)
///         addService(Announcer(name: "worker", endpoints: ["rpc": "tcp://127.0.0.1:7200"], discovery: discovery))
///     }
/// }
/// ```
public final class Discovery: Service, @unchecked Sendable {
    /// Its settings, declared by holding them (other services hold them too; see
    /// ``DiscoverySettings``).
    private let declared = DiscoverySettings()
    var backendKind: String { settings.value(of: declared.backend) }
    var endpointList: String { settings.value(of: declared.endpoints) }
    var timeout: Duration { settings.value(of: declared.timeout) }
    var beaconPort: Int { settings.value(of: declared.beaconPort) }

    private let given: (any DiscoveryBackend)?
    private let current = Mutex<(any DiscoveryBackend)?>(nil)

    /// Discovery through the backend the settings choose.
    override public init(name: String? = nil) {
        self.given = nil
        super.init(name: name ?? "discovery")
    }

    /// Discovery through `backend`, whatever the settings say.
    public init(backend: any DiscoveryBackend, name: String? = nil) {
        self.given = backend
        super.init(name: name ?? "discovery")
    }

    /// The running backend.
    ///
    /// - Throws: ``DiscoveryError`` with code `configuration` before the service has started.
    public var backend: any DiscoveryBackend {
        get throws {
            guard let backend = current.withLock({ $0 }) else {
                throw DiscoveryError(.configuration, "\(path) is \(state); start it before using discovery")
            }
            return backend
        }
    }

    override public func doStart() async throws {
        let backend: any DiscoveryBackend
        if let given {
            backend = given
        } else {
            backend = try await makeBackend()
        }
        current.withLock { $0 = backend }
        logger.debug("Using \(backend.description).")
        spawn { try await backend.run() }
    }

    override public func doStop() async throws {
        current.withLock { $0 = nil }
    }

    private func makeBackend() async throws -> any DiscoveryBackend {
        let endpoints = endpointList.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty }
        switch backendKind {
        case "embedded":
            var addresses = endpoints.isEmpty ? [Registry.defaultEndpoint] : endpoints
            if addresses == ["beacon"] {
                logger.info("Listening for a registry beacon on UDP port \(beaconPort).")
                addresses = [try await BeaconListener(port: beaconPort).firstRegistry(timeout: timeout * 5)]
                logger.info("Found the registry at \(addresses[0]) by its beacon.")
            }
            return try RegistryClient(endpoints: addresses, timeout: timeout, logger: logger)
        case "etcd":
            return try EtcdBackend(
                endpoints: endpoints.isEmpty ? [EtcdBackend.defaultEndpoint] : endpoints,
                timeout: timeout,
                logger: logger
            )
        default:
            throw DiscoveryError(
                .configuration,
                "setting discovery.backend: unknown backend \"\(backendKind)\"; use embedded or etcd"
            )
        }
    }
}

/// The settings of ``Discovery``, also declared by services that create one only as they start.
struct DiscoverySettings: SettingGroup {
    let backend = Setting(
        "discovery.backend",
        default: "embedded",
        help: "Where instances are kept: embedded (a Registry) or etcd"
    )
    let endpoints = Setting(
        "discovery.endpoints",
        default: "",
        help:
            "Backend addresses, comma-separated (default tcp://127.0.0.1:7100, or http://127.0.0.1:2379 for etcd); beacon: find the registry by its UDP beacon"
    )
    let timeout = Setting(
        "discovery.timeout",
        default: Duration.seconds(2),
        help: "How long one discovery request may take"
    )
    let beaconPort = Setting(
        "beacon.port",
        default: 7101,
        help: "UDP port of the registry's beacon (with discovery.endpoints=beacon)"
    )
}
