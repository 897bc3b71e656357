import GinkgoNet
import Logging
import Synchronization

/// Discovery kept in etcd v3, for systems spread over many machines: every announcer and
/// resolver talks to the etcd cluster over its HTTP/JSON gateway.
///
/// An instance lives at the key `PREFIX<name>/<id>` (the prefix defaults to
/// `/ginkgo/services/`), its value the instance as JSON, attached to a lease of its own whose TTL
/// is the registration's: ``renew(_:ttl:)`` is a keep-alive of that lease, and when it lapses
/// etcd deletes the key. A watch lists the name, then streams `/v3/watch` from the listing's
/// revision on, resumes after a dropped stream from the last revision it saw, and lists again
/// when etcd has compacted the history it needed.
///
/// ```swift
/// let backend = try EtcdBackend(
///     endpoints: ["http://10.0.0.1:2379", "http://10.0.0.2:2379"],
///     timeout: .seconds(5),
///     logger: Logger(label: "discovery")
/// )
/// try await withThrowingDiscardingTaskGroup { group in
///     group.addTask { try await backend.run() }
///     try await backend.register(instance, ttl: .seconds(10))
///     for try await update in backend.watch("echo") { print(update) }
/// }
/// ```
/// Each call tries the endpoints in turn, from the one that answered last, while they cannot be
/// reached; each watch holds one HTTP connection while it runs.
public final class EtcdBackend: DiscoveryBackend {
    /// `etcd` and the endpoints, such as `etcd http://127.0.0.1:2379`.
    public let description: String

    /// Where a local etcd serves clients: `http://127.0.0.1:2379`, the endpoint that
    /// `discovery.backend=etcd` uses when `discovery.endpoints` is empty.
    public static let defaultEndpoint = "http://127.0.0.1:2379"

    let gateway: EtcdGateway
    let keyspace: EtcdKeyspace
    let logger: Logger
    /// How a watch waits before it lists or streams again after a failure.
    let reconnectPolicy = ReconnectPolicy(initialDelay: .milliseconds(100), maximumDelay: .seconds(5))
    /// The registration of each instance this backend registered.
    let leases = Mutex<[ServiceInstance.Key: Registration]>([:])

    /// The lease an instance's key is on, and the revision of the put that put it there: when
    /// registrations of one instance overlap, the later put (by etcd's order) wins; a put in
    /// another cluster (etcd replaced, its revisions counting anew) wins too.
    struct Registration: Sendable {
        var lease: Int64
        var cluster: String?
        var revision: Int64
    }

    private let state = Mutex(State())
    private let jobs: AsyncStream<WatchJob>
    private let jobQueue: AsyncStream<WatchJob>.Continuation

    private struct State {
        enum Phase { case idle, running, finished }
        var phase = Phase.idle
        /// The watches not yet ended, so that the end of ``run()`` ends them all.
        var watches: [Int: AsyncThrowingStream<WatchUpdate, any Error>.Continuation] = [:]
        var nextWatch = 0
    }

    /// One `watch(_:)` call, for ``run()`` to serve.
    private struct WatchJob: Sendable {
        var id: Int
        var name: String
        var updates: AsyncThrowingStream<WatchUpdate, any Error>.Continuation
        /// Finishes when the watcher stops listening.
        var abandoned: AsyncStream<Never>
    }

    /// A backend on the etcd cluster reachable at `endpoints`.
    ///
    /// - Parameters:
    ///   - endpoints: client URLs of etcd members, such as `http://127.0.0.1:2379`.
    ///   - timeout: how long one call to one member may take.
    ///   - logger: where the backend logs failures, failovers and skipped keys.
    ///   - prefix: the key prefix instances live under.
    /// - Throws: ``DiscoveryError`` with ``DiscoveryError/Code/configuration`` for no endpoints
    ///   or one that is not an `http` or `https` URL.
    public init(
        endpoints: [String],
        timeout: Duration,
        logger: Logger,
        prefix: String = "/ginkgo/services/"
    ) throws {
        gateway = try EtcdGateway(endpoints: endpoints, timeout: timeout, logger: logger)
        keyspace = EtcdKeyspace(prefix: prefix)
        self.logger = logger
        description = "etcd " + gateway.endpoints.joined(separator: ",")
        (jobs, jobQueue) = AsyncStream.makeStream(of: WatchJob.self)
    }

    deinit {
        if state.withLock({ $0.phase }) != .finished { gateway.abandon() }
    }

    /// Serves the watches until the task is cancelled, then ends them and closes every
    /// connection to etcd. Runs once.
    public func run() async throws {
        let starting = state.withLock { state in
            guard state.phase == .idle else { return false }
            state.phase = .running
            return true
        }
        guard starting else { throw DiscoveryError(.configuration, "\(description): run() may be called only once") }
        await withDiscardingTaskGroup { group in
            for await job in jobs {
                group.addTask { await self.serve(job) }
            }
        }
        let unserved = state.withLock { state in
            state.phase = .finished
            defer { state.watches = [:] }
            return Array(state.watches.values)
        }
        jobQueue.finish()
        for updates in unserved { updates.finish() }
        await gateway.shutdown()
    }

    /// The instances of `name` (of every name when `nil`) in name and id order. A key under the
    /// prefix that holds no instance is logged and skipped.
    public func instances(named name: String?) async throws -> [ServiceInstance] {
        if let name { try keyspace.validate(name: name) }
        let range = keyspace.range(name)
        let listing = try await gateway.call(
            "/v3/kv/range",
            EtcdRangeRequest(key: range.key, rangeEnd: range.end),
            as: EtcdRangeResponse.self
        )
        var instances: [ServiceInstance] = []
        for pair in listing.kvs ?? [] {
            switch keyspace.instance(key: pair.key, value: pair.value) {
            case .success(let instance): instances.append(instance)
            case .failure(let unreadable): log(unreadable)
            }
        }
        return instances.sorted { ($0.name, $0.id) < ($1.name, $1.id) }
    }

    /// The instances of `name` as they change; see ``DiscoveryBackend/watch(_:)``. While etcd
    /// cannot be reached the sequence waits; it ends when the watcher stops listening or
    /// ``run()`` ends.
    public func watch(_ name: String) -> AsyncThrowingStream<WatchUpdate, any Error> {
        let (updates, continuation) = AsyncThrowingStream.makeStream(of: WatchUpdate.self)
        do {
            try keyspace.validate(name: name)
        } catch {
            continuation.finish(throwing: error)
            return updates
        }
        let (abandoned, abandon) = AsyncStream.makeStream(of: Never.self)
        continuation.onTermination = { _ in abandon.finish() }
        let id = state.withLock { state -> Int? in
            guard state.phase != .finished else { return nil }
            state.nextWatch += 1
            state.watches[state.nextWatch] = continuation
            return state.nextWatch
        }
        guard let id else {
            continuation.finish(
                throwing: DiscoveryError(.unreachable, "\(description) is stopped: its run() has ended")
            )
            return updates
        }
        jobQueue.yield(WatchJob(id: id, name: name, updates: continuation, abandoned: abandoned))
        return updates
    }

    /// Follows one watch until its watcher stops listening or ``run()`` is cancelled.
    private func serve(_ job: WatchJob) async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.follow(job.name, into: job.updates) }
            group.addTask { for await _ in job.abandoned {} }
            await group.next()
            group.cancelAll()
        }
        state.withLock { _ = $0.watches.removeValue(forKey: job.id) }
        job.updates.finish()
    }

    /// Logs a key that holds no instance.
    func log(_ unreadable: EtcdKeyspace.Unreadable) {
        logger.warning(
            "etcd: skipping a key that holds no instance",
            metadata: ["key": "\(unreadable.key)", "reason": "\(unreadable.reason)"]
        )
    }
}
