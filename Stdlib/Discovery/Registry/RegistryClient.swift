import Ginkgo
import GinkgoZeroMQ
public import Logging
import Synchronization

/// The client of a ``Registry``: a ZeroMQ DEALER socket speaking `PROTOCOL.md`, with heartbeats
/// that notice a lost or restarted registry and watches that resynchronise after either.
///
/// ```swift
/// let client = try RegistryClient(endpoints: ["tcp://127.0.0.1:7100"])
/// try await withThrowingDiscardingTaskGroup { group in
///     group.addTask { try await client.run() }
///     print(try await client.instances(named: "echo"))
///     group.cancelAll()
/// }
/// ```
/// With several endpoints, the client uses one at a time and moves to the next when the one it
/// uses stops answering.
public final class RegistryClient: DiscoveryBackend {
    /// The registries to try, in order.
    public let endpoints: [String]
    let timeout: Duration
    let heartbeat: Duration
    let logger: Logger
    private let socket: Socket
    private let replies = ReplySlots<RegistryWire.Message>()
    private let state = Mutex(State())

    private struct State {
        var endpointIndex = 0
        var epoch: String?
        var reachable = true
        var missedHeartbeats = 0
        var watches: [String: NameWatch] = [:]
        var nextWatcher = 0
    }

    /// The local watchers of one name and where their subscription stands.
    private struct NameWatch {
        /// The last `seq` applied; `nil` until a snapshot arrives.
        var lastSeq: UInt64?
        var watchers: [Int: AsyncThrowingStream<WatchUpdate, any Error>.Continuation] = [:]
    }

    /// A client of the registries at `endpoints`, each request allowed `timeout`, the registry
    /// pinged every `heartbeat`.
    public init(
        endpoints: [String] = [Registry.defaultEndpoint],
        timeout: Duration = .seconds(2),
        heartbeat: Duration = .seconds(1),
        logger: Logger = Logger(label: "discovery")
    ) throws {
        guard !endpoints.isEmpty else { throw DiscoveryError(.configuration, "a registry client needs an endpoint") }
        self.endpoints = endpoints
        self.timeout = timeout
        self.heartbeat = heartbeat
        self.logger = logger
        socket = try Socket(.dealer)
        do {
            // Requests wait for a connection instead of queueing for a registry that is not there.
            try socket.setOption(.immediate, true)
            try socket.setOption(.linger, .zero)
            try socket.setOption(.reconnectInterval, .milliseconds(100))
            try socket.setOption(.reconnectIntervalMax, .seconds(1))
            try socket.connect(endpoints[0])
        } catch {
            socket.close()
            throw DiscoveryError(.configuration, "registry endpoint \(endpoints[0]): \(error)")
        }
    }

    deinit {
        socket.close()
    }

    public var description: String { "registry \(endpoints.joined(separator: ","))" }

    private var currentEndpoint: String { endpoints[state.withLock { $0.endpointIndex }] }

    // MARK: DiscoveryBackend

    public func run() async throws {
        defer {
            socket.close()
            replies.failAll(DiscoveryError(.unreachable, "the client of \(description) stopped"))
            let watchers = state.withLock { state in
                defer { state.watches = [:] }
                return state.watches.values.flatMap(\.watchers.values)
            }
            for watcher in watchers { watcher.finish() }
        }
        try await withThrowingDiscardingTaskGroup { group in
            group.addTask { try await self.receive() }
            group.addTask { try await self.beat() }
        }
    }

    public func register(_ instance: ServiceInstance, ttl: Duration) async throws {
        var request = RegistryWire.Request(op: "register")
        request.instance = instance
        request.ttlMilliseconds = Int(ttl.milliseconds)
        _ = try await send(request)
    }

    public func renew(_ instance: ServiceInstance.Key, ttl: Duration) async throws {
        var request = RegistryWire.Request(op: "renew", name: instance.name, instanceID: instance.id)
        request.ttlMilliseconds = Int(ttl.milliseconds)
        _ = try await send(request)
    }

    public func deregister(_ instance: ServiceInstance.Key) async throws {
        _ = try await send(RegistryWire.Request(op: "deregister", name: instance.name, instanceID: instance.id))
    }

    public func instances(named name: String?) async throws -> [ServiceInstance] {
        try await send(RegistryWire.Request(op: "list", name: name)).instances ?? []
    }

    public func watch(_ name: String) -> AsyncThrowingStream<WatchUpdate, any Error> {
        let (stream, continuation) = AsyncThrowingStream.makeStream(of: WatchUpdate.self)
        let watcher = state.withLock { state in
            defer { state.nextWatcher += 1 }
            state.watches[name, default: NameWatch()].watchers[state.nextWatcher] = continuation
            return state.nextWatcher
        }
        continuation.onTermination = { [weak self] _ in self?.removeWatcher(watcher, of: name) }
        // A new snapshot for every watcher of the name; the others see no change in it.
        Task { await self.subscribe(name) }
        return stream
    }

    // MARK: Requests

    /// Sends `request` and waits for its reply, at most `timeout`.
    private func send(_ request: RegistryWire.Request) async throws -> RegistryWire.Message {
        var request = request
        request.v = RegistryWire.version
        let id = replies.open()
        request.id = id
        let endpoint = currentEndpoint
        let frame = Message(RegistryWire.encode(request))
        let reply: RegistryWire.Message
        do {
            reply = try await withTimeout(timeout) { [socket, replies] in
                try await socket.send(frame)
                return try await replies.wait(for: id)
            }
        } catch is TimeoutError {
            throw DiscoveryError(
                .unreachable,
                "registry \(endpoint) did not answer \(request.op ?? "") within \(timeout)"
            )
        } catch let error as ZMQError {
            throw DiscoveryError(.unreachable, "registry \(endpoint): \(error)")
        }
        if let epoch = reply.epoch { note(epoch: epoch) }
        if let failure = reply.error {
            throw DiscoveryError(Self.code(failure.code), "registry \(endpoint): \(failure.message)")
        }
        return reply
    }

    private static func code(_ wire: String) -> DiscoveryError.Code {
        switch wire {
        case "not_registered": .notRegistered
        case "bad_request", "unsupported_version": .badRequest
        case "too_large": .tooLarge
        default: .protocolError
        }
    }

    // MARK: Background work

    private func receive() async throws {
        for try await frames in socket.messages {
            guard frames.count == 1,
                let message = try? RegistryWire.decode(RegistryWire.Message.self, from: frames[0].bytes)
            else {
                logger.warning("Ignored a message from \(currentEndpoint) that is not protocol JSON.")
                continue
            }
            if message.event != nil {
                apply(event: message)
            } else if let id = message.id {
                replies.deliver(message, to: id)
            }
        }
    }

    /// Pings the registry every `heartbeat`: keeps watches alive there, and notices here when it
    /// is gone or came back.
    private func beat() async throws {
        while true {
            do {
                _ = try await send(RegistryWire.Request(op: "ping"))
                let recovered = state.withLock { state in
                    defer {
                        state.reachable = true
                        state.missedHeartbeats = 0
                    }
                    return !state.reachable
                }
                if recovered {
                    logger.info("Registry \(currentEndpoint) answers again.")
                    await resubscribeAll()
                }
            } catch is CancellationError {
                throw CancellationError()
            } catch {
                missedHeartbeat(error)
            }
            try await Task.sleep(for: heartbeat)
        }
    }

    private func missedHeartbeat(_ error: any Error) {
        let (lost, failover) = state.withLock { state in
            state.missedHeartbeats += 1
            defer { state.reachable = false }
            return (state.reachable, state.missedHeartbeats >= 3 && endpoints.count > 1)
        }
        if lost {
            logger.warning("Registry unreachable (\(error)); resolvers answer from their last known instances.")
        }
        guard failover else { return }
        let (old, new) = state.withLock { state in
            let old = endpoints[state.endpointIndex]
            state.endpointIndex = (state.endpointIndex + 1) % endpoints.count
            state.missedHeartbeats = 0
            return (old, endpoints[state.endpointIndex])
        }
        do {
            try socket.disconnect(old)
            try socket.connect(new)
            logger.info("Trying registry \(new).")
        } catch {
            logger.error("Could not switch from registry \(old) to \(new): \(error)")
        }
    }

    /// Notes the registry's epoch; a new one means it restarted, lost our watches, and needs them
    /// again.
    private func note(epoch: String) {
        let restarted = state.withLock { state in
            defer { state.epoch = epoch }
            return state.epoch != nil && state.epoch != epoch
        }
        guard restarted else { return }
        logger.info("Registry \(currentEndpoint) restarted (epoch \(epoch)); watching again.")
        Task { await self.resubscribeAll() }
    }

    private func resubscribeAll() async {
        for name in state.withLock({ Array($0.watches.keys) }) { await subscribe(name) }
    }

    /// Asks for a (new) subscription to `name`; its snapshot arrives as an event. On failure the
    /// next heartbeat that gets through tries again.
    private func subscribe(_ name: String) async {
        state.withLock { $0.watches.modifyValue(forKey: name) { $0.lastSeq = nil } }
        do {
            _ = try await send(RegistryWire.Request(op: "watch", name: name))
        } catch {
            logger.debug("Watch of \(name) not sent: \(error)")
            state.withLock { $0.reachable = false }
        }
    }

    private func apply(event message: RegistryWire.Message) {
        guard let name = message.name, let seq = message.seq, let kind = message.event else { return }
        enum Outcome {
            case deliver(WatchUpdate, [AsyncThrowingStream<WatchUpdate, any Error>.Continuation])
            case ignore
            case gap
        }
        let outcome: Outcome = state.withLock { state in
            guard var watch = state.watches[name] else { return .ignore }
            defer { state.watches[name] = watch }
            if kind == "snapshot" {
                watch.lastSeq = 0
                return .deliver(.snapshot(message.instances ?? []), Array(watch.watchers.values))
            }
            guard let last = watch.lastSeq, seq > last else { return .ignore }
            guard seq == last + 1 else {
                watch.lastSeq = nil
                return .gap
            }
            guard let changeKind = DiscoveryChange.Kind(rawValue: kind), let instance = message.instance else {
                return .ignore
            }
            watch.lastSeq = seq
            return .deliver(.change(DiscoveryChange(changeKind, instance)), Array(watch.watchers.values))
        }
        switch outcome {
        case .deliver(let update, let watchers):
            for watcher in watchers { watcher.yield(update) }
        case .ignore:
            break
        case .gap:
            logger.info("Missed events of \(name); watching again for a fresh snapshot.")
            Task { await self.subscribe(name) }
        }
    }

    private func removeWatcher(_ watcher: Int, of name: String) {
        let last = state.withLock { state -> Bool in
            state.watches[name]?.watchers[watcher] = nil
            guard state.watches[name]?.watchers.isEmpty == true else { return false }
            state.watches[name] = nil
            return true
        }
        guard last else { return }
        Task { _ = try? await self.send(RegistryWire.Request(op: "unwatch", name: name)) }
    }
}
