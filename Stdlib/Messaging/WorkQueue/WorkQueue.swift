public import Ginkgo
import GinkgoZeroMQ
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// Submits jobs to the ``JobWorker``s that discovery knows by the queue's name, and returns
/// once a worker has acknowledged each: at least once, even when workers die.
///
/// ```swift
/// struct Resize: Codable, Sendable { var path: String; var width: Int }
///
/// let queue = WorkQueue()
/// try await queue.start()
/// let receipt = try await queue.submit("resize", input: Resize(path: "cat.png", width: 100))
/// print(receipt.worker)  // box-4242
/// ```
/// The queue is this service: it keeps every job until acknowledged, hands it to a live worker
/// that announced its kind (the one with the most free slots), pings each worker every
/// `jobs.heartbeat`, and gives a worker's jobs to another worker when it falls silent for
/// `jobs.liveness` heartbeats, when a job outlives `jobs.lease`, or when a draining worker hands
/// one back. A job can therefore run more than once; handlers should be idempotent. Jobs live in
/// this process's memory: if the producer dies, its unacknowledged jobs die with it (and so does
/// everyone waiting for them).
///
/// | setting | default | meaning |
/// | --- | --- | --- |
/// | `jobs.name` | `jobs` | the workers' name in discovery |
/// | `jobs.heartbeat` | `1s` | how often each worker is pinged |
/// | `jobs.liveness` | `3` | heartbeats without a word after which a worker is dead |
/// | `jobs.lease` | `5m` | how long a worker may hold a job before it goes to another |
/// | `jobs.max_message` | `1048576` | largest job or acknowledgement in bytes |
public final class WorkQueue: Service, @unchecked Sendable {
    @Setting("jobs.name", default: "jobs", help: "The workers' name in discovery")
    var configuredName: String
    @Setting("jobs.heartbeat", default: Duration.seconds(1), help: "How often each worker is pinged")
    var heartbeat: Duration
    @Setting("jobs.liveness", default: 3, help: "Heartbeats without a word after which a worker counts as dead")
    var liveness: Int
    @Setting("jobs.lease", default: Duration.seconds(300), help: "How long a worker may hold a job")
    var lease: Duration
    @Setting("jobs.max_message", default: 1_048_576, help: "Largest job or acknowledgement in bytes")
    var maxMessage: Int

    private struct Dispatch {
        var machine: JobDispatchStateMachine?
        var sockets: [String: Socket] = [:]
        var waiters: [String: CheckedContinuation<JobReceipt, any Error>] = [:]
    }

    private let resolver: Resolver
    private let givenName: String?
    private let dispatch = Mutex(Dispatch())
    private let sequence = Atomic<Int>(0)
    private let producerID = String(UInt64.random(in: 0...UInt64.max), radix: 36)

    /// A producer that finds workers through `discovery` (its own, configured by the settings,
    /// when `nil`), under the name `queueName` (the setting `jobs.name` when `nil`).
    public init(discovery: Discovery? = nil, queueName: String? = nil, name: String? = nil) {
        self.resolver = Resolver(discovery: discovery)
        self.givenName = queueName
        super.init(name: name ?? "work-queue")
        addService(resolver)
    }

    /// The workers' name in discovery.
    public var queueName: String { givenName ?? configuredName }

    /// How many jobs are submitted and not yet acknowledged.
    public var pendingJobs: Int { dispatch.withLock { $0.machine?.jobs.count ?? 0 } }

    /// The instance ids of the workers that answer heartbeats, sorted: those jobs go to.
    public var liveWorkers: [String] {
        dispatch.withLock { $0.machine?.workers.filter(\.value.alive).map(\.key).sorted() ?? [] }
    }

    override public func doStart() async throws {
        let configuration = JobDispatchStateMachine.Configuration(
            heartbeat: heartbeat,
            liveness: max(1, liveness),
            lease: lease,
            maxMessage: maxMessage
        )
        dispatch.withLock { $0 = Dispatch(machine: JobDispatchStateMachine(configuration: configuration)) }
        let name = queueName
        spawn { try await self.follow(name) }
        spawn { try await self.beat(every: configuration.heartbeat) }
    }

    override public func doStop() async throws {
        let (sockets, waiters) = dispatch.withLock { state in
            defer { state = Dispatch() }
            return (Array(state.sockets.values), Array(state.waiters.values))
        }
        for socket in sockets { socket.close() }
        for waiter in waiters {
            waiter.resume(throwing: MessagingError(.unavailable, "the work queue \(path) stopped"))
        }
    }

    /// Submits a job of `kind` with `input` (as JSON) and waits until a worker acknowledges it.
    ///
    /// Waits as long as it takes — for a worker of that kind to appear, for redeliveries — unless
    /// the calling task is cancelled (then the job is withdrawn). Wrap it in ``withTimeout(_:_:)``
    /// to bound it.
    /// - Throws: ``MessagingError``: the handler's failure (`handler_failed`, `bad_payload`,
    ///   `unknown_method`), `too_large`, or `unavailable` when the queue stops first.
    public func submit(_ kind: String, input: some Encodable) async throws -> JobReceipt {
        let payload = try MessagingPayload.encode(input)
        guard payload.count + kind.utf8.count + 128 <= maxMessage else {
            throw MessagingError(.tooLarge, "a job input of \(payload.count) bytes; jobs.max_message is \(maxMessage)")
        }
        let id = "\(producerID)-\(sequence.add(1, ordering: .relaxed).newValue)"
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                let actions = dispatch.withLock { state -> [JobDispatchStateMachine.Action]? in
                    guard state.machine != nil, !Task.isCancelled else { return nil }
                    state.waiters[id] = continuation
                    return state.machine?.submit(id, kind: kind, input: payload, now: .now)
                }
                guard let actions else {
                    let reason = Task.isCancelled ? "the job was cancelled" : "\(path) is \(self.state); start it first"
                    return continuation.resume(throwing: MessagingError(.unavailable, reason))
                }
                perform(actions)
            }
        } onCancel: {
            let waiter = dispatch.withLock { state in
                state.machine?.cancel(id)
                return state.waiters.removeValue(forKey: id)
            }
            waiter?.resume(throwing: CancellationError())
        }
    }

    // MARK: Running the state machine

    private func update(_ change: (inout JobDispatchStateMachine) -> [JobDispatchStateMachine.Action]) {
        let actions = dispatch.withLock { state -> [JobDispatchStateMachine.Action] in
            guard state.machine != nil else { return [] }
            return change(&state.machine!)
        }
        perform(actions)
    }

    private func perform(_ actions: [JobDispatchStateMachine.Action]) {
        var followUp: [JobDispatchStateMachine.Action] = []
        for action in actions {
            switch action {
            case .connect(let worker, let endpoint):
                connect(worker, endpoint)
            case .disconnect(let worker):
                dispatch.withLock { $0.sockets.removeValue(forKey: worker) }?.close()
            case .send(let worker, let message, let job):
                let socket = dispatch.withLock { $0.sockets[worker] }
                let sent = (try? socket?.trySend(message)) ?? false
                if !sent, let job {
                    followUp += dispatch.withLock { $0.machine?.sendFailed(job: job, worker: worker, now: .now) ?? [] }
                }
            case .complete(let job, let result):
                dispatch.withLock { $0.waiters.removeValue(forKey: job) }?.resume(with: result.mapError { $0 })
            case .warn(let message):
                logger.warning("\(message)")
            }
        }
        if !followUp.isEmpty { perform(followUp) }
    }

    private func connect(_ worker: String, _ endpoint: String) {
        do {
            let socket = try Socket(.dealer)
            do {
                // Not ZMQ_IMMEDIATE: with it, libzmq drops what a worker sent but the queue has not
                // read yet when the worker disconnects (the last acks of a worker that exits).
                // Jobs go only to workers that answer heartbeats anyway; one queued for a worker
                // that then falls silent is handed on, and may run twice (at least once).
                try socket.setOption(.linger, .zero)
                try socket.setOption(.maxMessageSize, IncomingMessage.frameLimit(for: maxMessage))
                try socket.setOption(.reconnectInterval, .milliseconds(100))
                try socket.setOption(.reconnectIntervalMax, .seconds(1))
                try socket.connect(endpoint)
            } catch {
                socket.close()
                throw error
            }
            dispatch.withLock { $0.sockets.updateValue(socket, forKey: worker) }?.close()
            spawn { try await self.receive(from: socket, worker: worker) }
        } catch {
            logger.warning("Could not connect to worker \(worker) at \(endpoint): \(error)")
        }
    }

    private func receive(from socket: Socket, worker: String) async throws {
        do {
            for try await message in socket.messages {
                update { $0.received(message.frames, from: worker, now: .now) }
            }
        } catch let error as ZMQError where error.code == ENOTSOCK {
            return
        }
    }

    private func beat(every interval: Duration) async throws {
        while true {
            try await Task.sleep(for: interval)
            update { $0.tick(now: .now) }
        }
    }

    /// Keeps the workers in step with discovery: healthy instances with a `jobs` endpoint get
    /// jobs of the kinds in their `job:KIND` tags.
    private func follow(_ name: String) async throws {
        try await resolver.follow(name, logger: logger) { change in
            let instance = change.instance
            let kinds = Set(instance.tags.filter { $0.hasPrefix("job:") }.map { String($0.dropFirst(4)) })
            if change.kind != .removed, instance.health == .healthy, let endpoint = instance.endpoints["jobs"] {
                update { $0.workerAnnounced(instance.id, endpoint: endpoint, kinds: kinds, now: .now) }
            } else {
                update { $0.workerWithdrawn(instance.id) }
            }
        }
    }
}
