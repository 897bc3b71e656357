public import Ginkgo
import GinkgoZeroMQ
import Synchronization

/// Does the jobs of a ``WorkQueue``: binds a ROUTER socket, announces it in discovery (name
/// `jobs.name`, endpoint `jobs`, a `job:KIND` tag per kind it handles), runs each job it is
/// handed with at most `jobs.concurrency` at a time, and acknowledges each when its handler
/// returns.
///
/// ```swift
/// struct Resize: Codable, Sendable { var path: String; var width: Int }
///
/// let worker = JobWorker { jobs in
///     jobs.handle("resize") { (job: Resize) in "\(job.path) is \(job.width) wide" }
/// }
/// try await worker.start()
/// ```
/// On stop, the worker leaves discovery at once, hands back the jobs it has not begun (the
/// producers give them to other workers), and waits up to `jobs.drain_timeout` for the running
/// ones to finish and be acknowledged.
///
/// | setting | default | meaning |
/// | --- | --- | --- |
/// | `jobs.name` | `jobs` | the name announced in discovery |
/// | `jobs.endpoint` | `tcp://127.0.0.1:*` | where the worker binds (a free port by default) |
/// | `jobs.concurrency` | `4` | jobs run at once |
/// | `jobs.max_message` | `1048576` | largest job in bytes; a larger one gets a `too_large` error |
/// | `jobs.drain_timeout` | `10s` | how long a stop waits for running jobs |
///
/// A message it cannot use — malformed, another version, too large, not a job — gets an `error`
/// reply and a log line, and the worker goes on.
public final class JobWorker: Service, @unchecked Sendable {
    @Setting("jobs.name", default: "jobs", help: "The workers' name in discovery")
    var configuredName: String
    @Setting("jobs.endpoint", default: "tcp://127.0.0.1:*", help: "Where the worker binds (ZeroMQ ROUTER)")
    var endpoint: String
    @Setting("jobs.concurrency", default: 4, help: "How many jobs run at once")
    var concurrency: Int
    @Setting("jobs.max_message", default: 1_048_576, help: "Largest job in bytes")
    var maxMessage: Int
    @Setting("jobs.drain_timeout", default: Duration.seconds(10), help: "How long a stop waits for running jobs")
    var drainTimeout: Duration

    /// A job handed to this worker, and who to acknowledge it to.
    struct Assignment: Sendable {
        var producer: Frame
        var id: String
        var kind: String
        var input: [UInt8]
    }

    private struct Running {
        var socket: Socket
        var boundEndpoint: String
        var announcer: Announcer?
        var jobs: AsyncStream<Assignment>.Continuation
        var executor: SpawnedTask
        var draining = false
        var capacity: Int
    }

    private let handlers: JobHandlers
    private let discovery: Discovery
    /// Read by the announcer that a start adds.
    private let announcerSettings = AnnouncerSettings()
    private let givenName: String?
    private let running = Mutex<Running?>(nil)

    /// A worker doing the jobs `configure` registers, announced through `discovery` (its own,
    /// configured by the settings, when `nil`) under `queueName` (the setting `jobs.name` when
    /// `nil`).
    public init(
        discovery: Discovery? = nil,
        queueName: String? = nil,
        name: String? = nil,
        configure: (inout JobHandlers) -> Void
    ) {
        var handlers = JobHandlers()
        configure(&handlers)
        self.handlers = handlers
        self.discovery = discovery ?? Discovery()
        self.givenName = queueName
        super.init(name: name ?? "job-worker")
        if discovery == nil { addService(self.discovery) }
    }

    /// The workers' name in discovery.
    public var queueName: String { givenName ?? configuredName }

    /// Where the worker is bound; `nil` unless running.
    public var boundEndpoint: String? { running.withLock { $0?.boundEndpoint } }

    override public func doStart() async throws {
        let limit = maxMessage
        let slots = max(1, concurrency)
        let socket = try Socket(.router)
        let bound: String
        do {
            try socket.setOption(.linger, .milliseconds(500))
            try socket.setOption(.maxMessageSize, IncomingMessage.frameLimit(for: limit))
            try socket.bind(endpoint)
            bound = socket.lastEndpoint ?? endpoint
        } catch {
            socket.close()
            throw error
        }
        let (jobs, continuation) = AsyncStream.makeStream(of: Assignment.self)
        let executor = spawn { await self.execute(jobs, on: socket, slots: slots) }
        running.withLock {
            $0 = Running(socket: socket, boundEndpoint: bound, jobs: continuation, executor: executor, capacity: slots)
        }
        spawn { try await self.receive(from: socket, limit: limit) }
        do {
            let announcer = try await announce(
                queueName,
                endpoints: ["jobs": bound],
                tags: handlers.kinds.map { "job:\($0)" },
                discovery: discovery
            )
            running.withLock { $0?.announcer = announcer }
        } catch {
            running.withLock { $0 = nil }
            continuation.finish()
            socket.close()
            throw error
        }
        logger.info("Worker for \(queueName) at \(bound): \(handlers.kinds.joined(separator: ", ")).")
    }

    override public func willStop() async {
        running.withLock { $0?.draining = true }
    }

    override public func doStop() async throws {
        guard
            let current = running.withLock({ running -> Running? in
                running?.draining = true
                return running
            })
        else { return }
        if let announcer = current.announcer { removeService(announcer) }
        current.jobs.finish()
        let drained = (try? await withTimeout(drainTimeout) { try await current.executor.value }) != nil
        if !drained {
            logger.warning("Running jobs did not finish within \(drainTimeout); their producers redeliver them.")
        }
        running.withLock { $0 = nil }
        current.socket.close()
    }

    // MARK: Receiving

    private func receive(from socket: Socket, limit: Int) async throws {
        for try await message in socket.messages {
            let frames = message.frames
            guard let producer = frames.first else { continue }
            let incoming: IncomingMessage
            do {
                incoming = try IncomingMessage(frames.dropFirst(), limit: limit)
            } catch {
                logger.warning("Refused a message: \(error.error)")
                try await reply(error.reply, to: producer, on: socket)
                continue
            }
            let header = incoming.header
            switch header.kind {
            case .heartbeat:
                let capacity = running.withLock { $0.map { $0.draining ? 0 : $0.capacity } } ?? 0
                let status = try MessagingPayload.encode(WorkerStatus(capacity: capacity))
                try await reply(
                    MessagingEnvelope(kind: .heartbeat, id: header.id).message(payload: status),
                    to: producer,
                    on: socket
                )
            case .job:
                guard let id = header.id, let kind = header.method else {
                    try await refuse(
                        id: header.id,
                        MessagingError(.badEnvelope, "a job needs an id and a method (its kind)"),
                        to: producer,
                        on: socket
                    )
                    continue
                }
                guard handlers[kind] != nil else {
                    try await refuse(
                        id: id,
                        MessagingError(
                            .unknownMethod,
                            "no job kind \"\(kind)\" on \(path); it does \(handlers.kinds.joined(separator: ", "))"
                        ),
                        to: producer,
                        on: socket
                    )
                    continue
                }
                guard running.withLock({ $0?.draining == false }) else {
                    try await refuse(
                        id: id,
                        MessagingError(.unavailable, "\(path) is stopping"),
                        to: producer,
                        on: socket
                    )
                    continue
                }
                let assignment = Assignment(producer: producer, id: id, kind: kind, input: incoming.payload)
                if case .terminated = running.withLock({ $0?.jobs.yield(assignment) }) ?? .terminated {
                    try await refuse(
                        id: id,
                        MessagingError(.unavailable, "\(path) is stopping"),
                        to: producer,
                        on: socket
                    )
                }
            default:
                try await refuse(
                    id: header.id,
                    MessagingError(
                        .badEnvelope,
                        "a worker takes job and heartbeat messages, not \(header.kind.rawValue)"
                    ),
                    to: producer,
                    on: socket
                )
            }
        }
    }

    private func refuse(id: String?, _ error: MessagingError, to producer: Frame, on socket: Socket) async throws {
        logger.warning("Refused a message: \(error)", metadata: id.map { ["job": "\($0)"] } ?? [:])
        try await reply(IncomingMessage.Refusal(id: id, error: error).reply, to: producer, on: socket)
    }

    private func reply(_ message: Message, to producer: Frame, on socket: Socket) async throws {
        try await socket.send(Message(frames: [producer] + message.frames))
    }

    // MARK: Running jobs

    /// Runs the jobs, at most `slots` at once; once draining, hands back those not begun.
    private func execute(_ jobs: AsyncStream<Assignment>, on socket: Socket, slots: Int) async {
        await withTaskGroup(of: Void.self) { group in
            var inFlight = 0
            for await job in jobs {
                if inFlight >= slots {
                    await group.next()
                    inFlight -= 1
                }
                if running.withLock({ $0?.draining ?? true }) {
                    try? await reply(
                        IncomingMessage.Refusal(id: job.id, error: MessagingError(.unavailable, "\(path) is stopping"))
                            .reply,
                        to: job.producer,
                        on: socket
                    )
                    continue
                }
                group.addTask { await self.run(job, on: socket) }
                inFlight += 1
            }
        }
    }

    private func run(_ job: Assignment, on socket: Socket) async {
        let answer: Message
        do {
            let output = try await handlers[job.kind]!(job.input)
            answer = MessagingEnvelope(kind: .ack, id: job.id).message(payload: output)
        } catch {
            answer = refusal(of: job, error)
        }
        try? await reply(answer, to: job.producer, on: socket)
    }

    /// Logs a job's failure and makes the refusal to send back. Out of line and not async: in
    /// `run` its string interpolations made the frame of every job's task 1.5 KiB.
    @inline(never)
    private func refusal(of job: Assignment, _ error: any Error) -> Message {
        logger.warning("Job \(job.id) (\(job.kind)) failed: \(error)")
        let failure =
            error as? MessagingError
            ?? MessagingError(.handlerFailed, "job \(job.id) (\(job.kind)) on \(path): \(error)")
        return IncomingMessage.Refusal(id: job.id, error: failure).reply
    }
}
