/// Where discovery keeps its instances: the embedded ``Registry`` (through ``RegistryClient``)
/// or etcd (through ``EtcdBackend``). ``Announcer`` and ``Resolver`` talk to any of them through
/// this protocol, and ``DiscoverySettings`` picks one from the settings.
///
/// A backend is a client: ``run()`` does its background work (connections, heartbeats, lease
/// keep-alives) until cancelled, and the other calls need it running.
///
/// ```swift
/// let backend = try DiscoverySettings(settings).makeBackend()
/// try await withThrowingDiscardingTaskGroup { group in
///     group.addTask { try await backend.run() }
///     for instance in try await backend.instances(named: "echo") { print(instance) }
///     group.cancelAll()
/// }
/// ```
public protocol DiscoveryBackend: Sendable {
    /// A description for logs and errors, such as `registry tcp://127.0.0.1:7100`.
    var description: String { get }

    /// Does the backend's background work until the task is cancelled.
    func run() async throws

    /// Registers `instance` (or replaces its record, same name and id) under a lease that ends
    /// unless renewed within `ttl`.
    func register(_ instance: ServiceInstance, ttl: Duration) async throws

    /// Extends the lease of `instance` by `ttl`.
    ///
    /// - Throws: ``DiscoveryError`` with ``DiscoveryError/Code/notRegistered`` when the lease is
    ///   gone (expired, or the registry restarted); register again then.
    func renew(_ instance: ServiceInstance.Key, ttl: Duration) async throws

    /// Removes the instance at once. Removing an unknown instance is not an error.
    func deregister(_ instance: ServiceInstance.Key) async throws

    /// The instances registered under `name` (of every name when `nil`), healthy or not, in
    /// name and id order.
    func instances(named name: String?) async throws -> [ServiceInstance]

    /// The instances of `name` as they change: first a ``WatchUpdate/snapshot(_:)``, then each
    /// change in order, and a new snapshot whenever the backend had to resynchronise (after a
    /// reconnect, a registry restart or a compacted history). The sequence ends when the
    /// calling task is cancelled; it does not end when the backend is unreachable, it waits.
    func watch(_ name: String) -> AsyncThrowingStream<WatchUpdate, any Error>
}

/// What a backend's watch yields.
public enum WatchUpdate: Sendable, Hashable {
    /// Every instance of the name now: replaces what the watcher knew.
    case snapshot([ServiceInstance])
    /// One change since the last update.
    case change(DiscoveryChange)
}
