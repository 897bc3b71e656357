import Foundation
public import Ginkgo
import Synchronization

/// Registers this daemon's endpoints with discovery while it runs: registers on start, renews
/// the lease every third of its TTL, registers again after the registry restarts, and
/// deregisters as soon as the tree begins to stop — before anything drains.
///
/// In code:
/// ```swift
/// final class EchoDaemon: Service, RunnableService, @unchecked Sendable {
///     required init() {
///         super.init()
///         addService(Announcer(name: "echo", endpoints: ["rpc": "tcp://127.0.0.1:7200"]))
///     }
/// }
/// ```
/// From settings, for any program (Ginkgo or not), the way Consul registers external services:
/// ```
/// ginkgo Announcer --set announce.name=web --set announce.endpoints=http=http://127.0.0.1:8080
/// ```
/// `announce.endpoints` lists `name=address` pairs, comma-separated; an address without a name
/// is called `default`. The instance id is `HOST-PID` unless `announce.id` says otherwise, and the
/// metadata always holds `host` and `pid`.
public final class Announcer: Service, RunnableService, @unchecked Sendable {
    @Setting("announce.name", default: "", help: "The service name to register")
    var settingName: String
    @Setting("announce.endpoints", default: [String](), help: "Endpoints to register: name=address, comma-separated")
    var settingEndpoints: [String]
    @Setting("announce.tags", default: [String](), help: "Tags to register, comma-separated")
    var settingTags: [String]
    /// The settings it reads also when its name and endpoints are given (see
    /// ``AnnouncerSettings``).
    private let declared = AnnouncerSettings()
    var ttl: Duration { settings.value(of: declared.ttl) }
    var settingID: String { settings.value(of: declared.id) }

    private let given: (name: String, endpoints: [String: String], tags: [String])?
    private let discovery: Discovery
    private let current = Mutex(Registration())

    private struct Registration {
        /// The instance to keep registered; `nil` before the start and from the stop on.
        var instance: ServiceInstance?
        /// Register and renew requests under way. A stop waits for them before it deregisters:
        /// one that reached the registry after the deregistration would bring the instance back.
        var requests = 0
        var idle: CheckedContinuation<Void, Never>?
    }

    /// An announcer configured by the `announce.*` settings, with its own ``Discovery``.
    public required init() {
        self.given = nil
        self.discovery = Discovery()
        super.init(name: "announcer")
        addService(discovery)
    }

    /// An announcer of `name` at `endpoints`, through `discovery` (its own when `nil`).
    public init(
        name: String,
        endpoints: [String: String],
        tags: [String] = [],
        discovery: Discovery? = nil,
        serviceName: String? = nil
    ) {
        self.given = (name, endpoints, tags)
        self.discovery = discovery ?? Discovery()
        super.init(name: serviceName ?? "announcer")
        if discovery == nil { addService(self.discovery) }
    }

    /// The instance as registered (or being registered); `nil` unless running.
    public var instance: ServiceInstance? { current.withLock { $0.instance } }

    /// Changes the health registered for this instance, at once.
    public func setHealth(_ health: InstanceHealth) async {
        let instance = current.withLock { current -> ServiceInstance? in
            guard current.instance != nil, current.instance?.health != health else { return nil }
            current.instance?.health = health
            return current.instance
        }
        guard let instance else { return }
        logger.info("Health of \(instance.key) is now \(health).")
        await register(instance)
    }

    override public func doStart() async throws {
        let instance = try makeInstance()
        current.withLock { $0.instance = instance }
        // One attempt now, so that a reachable registry knows the instance once we are ready; the
        // loop keeps trying when it is not.
        let registered = await register(instance)
        spawn { try await self.keepRegistered(registered: registered) }
    }

    override public func willStop() async {
        guard
            let instance = current.withLock({ current in
                defer { current.instance = nil }; return current.instance
            })
        else { return }
        await withCheckedContinuation { continuation in
            let idle = current.withLock { current in
                guard current.requests > 0 else { return true }
                current.idle = continuation
                return false
            }
            if idle { continuation.resume() }
        }
        do {
            try await discovery.backend.deregister(instance.key)
            logger.info("Deregistered \(instance.key).")
        } catch {
            logger.warning("Could not deregister \(instance.key) (its lease will expire): \(error)")
        }
    }

    override public func doStop() async throws {
        await willStop()
    }

    private func makeInstance() throws -> ServiceInstance {
        let host = ProcessInfo.processInfo.hostName
        let pid = String(getpid())
        let name = given?.name ?? settingName
        guard !name.isEmpty else {
            throw SettingError(
                key: "announce.name",
                source: $settingName.source,
                reason: "the service name to announce is empty"
            )
        }
        var endpoints = given?.endpoints ?? [:]
        if given == nil {
            for entry in settingEndpoints {
                guard let equals = entry.firstIndex(of: "="), !entry[..<equals].contains(":") else {
                    endpoints["default"] = entry
                    continue
                }
                endpoints[String(entry[..<equals])] = String(entry[entry.index(after: equals)...])
            }
        }
        let id = settingID.isEmpty ? "\(host)-\(pid)" : settingID
        if let problem = RegistryState.problem(name: name, id: id) {
            throw SettingError(key: "announce.name", source: $settingName.source, reason: problem)
        }
        return ServiceInstance(
            name: name,
            id: id,
            endpoints: endpoints,
            tags: given?.tags ?? settingTags,
            metadata: ["host": host, "pid": pid]
        )
    }

    /// Registers `instance`; returns whether it worked (and logs why not).
    @discardableResult
    private func register(_ instance: ServiceInstance) async -> Bool {
        guard beginRequest() else { return false }
        defer { endRequest() }
        do {
            try await discovery.backend.register(instance, ttl: ttl)
            logger.info("Registered \(instance.key) at \(instance.endpoints.values.sorted().joined(separator: ",")).")
            return true
        } catch {
            logger.warning("Could not register \(instance.key): \(error)")
            return false
        }
    }

    /// Counts a request to the registry, unless the stop has begun (`false` then).
    private func beginRequest() -> Bool {
        current.withLock { current in
            guard current.instance != nil else { return false }
            current.requests += 1
            return true
        }
    }

    /// Ends a request counted by ``beginRequest()``, letting a waiting stop go on after the last.
    private func endRequest() {
        let idle = current.withLock { current -> CheckedContinuation<Void, Never>? in
            current.requests -= 1
            guard current.requests == 0 else { return nil }
            defer { current.idle = nil }
            return current.idle
        }
        idle?.resume()
    }

    /// Renews the lease every third of the TTL, registering again whenever the lease is gone.
    private func keepRegistered(registered: Bool) async throws {
        var registered = registered
        while true {
            try await Task.sleep(for: registered ? ttl / 3 : min(ttl / 3, .seconds(1)))
            guard let instance = current.withLock({ $0.instance }) else { return }
            guard registered else {
                registered = await register(instance)
                continue
            }
            guard beginRequest() else { return }
            do {
                defer { endRequest() }
                try await discovery.backend.renew(instance.key, ttl: ttl)
            } catch let error as DiscoveryError where error.code == .notRegistered {
                logger.info("Lease of \(instance.key) is gone (\(error.message)); registering again.")
                registered = await register(instance)
            } catch is CancellationError {
                return
            } catch {
                logger.warning("Could not renew the lease of \(instance.key): \(error)")
                registered = false
            }
        }
    }
}

/// The settings an ``Announcer`` reads even when its name and endpoints are given: held by the
/// announcer, and by services that add one only as they start (``RPCServer``, ``BusProxy``,
/// ``JobWorker``), so that `--help` lists them from the beginning.
struct AnnouncerSettings: SettingGroup {
    let ttl = Setting(
        "announce.ttl",
        default: Duration.seconds(10),
        help: "Lease time; the lease is renewed every third of it"
    )
    let id = Setting("announce.id", default: "", help: "The instance id (default HOST-PID)")
}
