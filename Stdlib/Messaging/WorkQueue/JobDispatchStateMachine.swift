import Ginkgo
import GinkgoZeroMQ

/// The producer side of the work queue (`PROTOCOL.md`, "Work queue") without sockets: which
/// worker holds which job, who is alive, and what to send. Its methods return actions; the
/// ``WorkQueue`` performs them. Time comes in as arguments, so tests drive it with any instants.
///
/// A worker counts as alive from its first heartbeat reply until `liveness` heartbeat
/// intervals pass without a word from it; then every job it holds goes back to the front of the
/// queue. So does a job held longer than the lease, and one the worker hands back.
struct JobDispatchStateMachine {
    typealias Instant = ContinuousClock.Instant

    struct Configuration {
        var heartbeat: Duration
        var liveness: Int
        var lease: Duration
        var maxMessage: Int
    }

    enum Action: Equatable {
        /// Open a DEALER socket to the worker.
        case connect(worker: String, endpoint: String)
        /// Close the worker's socket.
        case disconnect(worker: String)
        /// Send to the worker (without waiting: a worker that cannot take it gets `sendFailed`).
        case send(worker: String, Message, job: String?)
        /// The job is done: resume its submitter.
        case complete(job: String, Result<JobReceipt, MessagingError>)
        /// Log a warning.
        case warn(String)
    }

    struct Job {
        var kind: String
        var input: [UInt8]
        var attempts = 0
        var worker: String?
        var deadline: Instant?
        /// The worker that held the job last: a redelivery goes elsewhere when it can.
        var previous: String?
    }

    struct Worker {
        var endpoint: String
        var kinds: Set<String>
        var capacity = 0
        var alive = false
        var retiring = false
        var lastHeard: Instant
        var jobs: Set<String> = []

        var free: Int { alive && !retiring ? capacity - jobs.count : 0 }
    }

    let configuration: Configuration
    private(set) var jobs: [String: Job] = [:]
    private(set) var queue: [String] = []
    private(set) var workers: [String: Worker] = [:]
    private var nextHeartbeat = 0

    init(configuration: Configuration) {
        self.configuration = configuration
    }

    // MARK: Workers, as discovery reports them

    /// A worker is announced (or announced again, perhaps elsewhere or with other kinds).
    mutating func workerAnnounced(_ id: String, endpoint: String, kinds: Set<String>, now: Instant) -> [Action] {
        if var worker = workers[id], worker.endpoint == endpoint {
            worker.kinds = kinds
            worker.retiring = false
            workers[id] = worker
            return pump(now: now)
        }
        var actions: [Action] = []
        if workers[id] != nil { actions += forget(id, because: "moved to \(endpoint)") }
        workers[id] = Worker(endpoint: endpoint, kinds: kinds, lastHeard: now)
        actions.append(.connect(worker: id, endpoint: endpoint))
        actions.append(heartbeat(to: id))
        return actions
    }

    /// A worker left discovery (or became unhealthy): it gets no new jobs, and goes once it has
    /// acknowledged what it holds or falls silent.
    mutating func workerWithdrawn(_ id: String) -> [Action] {
        guard var worker = workers[id] else { return [] }
        guard !worker.jobs.isEmpty else {
            workers[id] = nil
            return [.disconnect(worker: id)]
        }
        worker.retiring = true
        workers[id] = worker
        return []
    }

    // MARK: Jobs

    /// A producer submits a job.
    mutating func submit(_ id: String, kind: String, input: [UInt8], now: Instant) -> [Action] {
        jobs[id] = Job(kind: kind, input: input)
        queue.append(id)
        return pump(now: now)
    }

    /// The submitter gave up on a job: forget it (a worker's later acknowledgement is ignored).
    mutating func cancel(_ id: String) {
        guard let job = jobs.removeValue(forKey: id) else { return }
        if let worker = job.worker { workers.modifyValue(forKey: worker) { $0.jobs.remove(id) } }
        queue.removeAll { $0 == id }
    }

    /// A job could not be queued for its worker (its send queue is full): queue it again and
    /// send that worker nothing more until it answers a heartbeat.
    mutating func sendFailed(job id: String, worker: String, now: Instant) -> [Action] {
        workers.modifyValue(forKey: worker) { $0.capacity = 0 }
        guard jobs[id]?.worker == worker else { return [] }
        requeue([id])
        return pump(now: now)
    }

    // MARK: What workers send

    /// `frames` arrived from `worker` (the envelope, as the DEALER socket received it).
    mutating func received(_ frames: [Frame], from id: String, now: Instant) -> [Action] {
        var actions = handle(frames, from: id, now: now)
        if let worker = workers[id], worker.retiring, worker.jobs.isEmpty {
            workers[id] = nil
            actions.append(.disconnect(worker: id))
        }
        return actions
    }

    private mutating func handle(_ frames: [Frame], from id: String, now: Instant) -> [Action] {
        guard var worker = workers[id] else { return [] }
        worker.lastHeard = now
        worker.alive = true
        workers[id] = worker
        let incoming: IncomingMessage
        do {
            incoming = try IncomingMessage(frames[...], limit: configuration.maxMessage)
        } catch {
            return [
                .warn("Refused a message from worker \(id): \(error.error)"),
                .send(worker: id, error.reply, job: nil),
            ]
        }
        let header = incoming.header
        switch header.kind {
        case .heartbeat:
            if let status = try? MessagingPayload.decode(WorkerStatus.self, from: incoming.payload) {
                workers.modifyValue(forKey: id) { $0.capacity = max(0, status.capacity) }
            }
            return pump(now: now)
        case .ack:
            guard let jobID = header.id, let job = take(jobID) else { return [] }
            let receipt = JobReceipt(
                id: jobID,
                kind: job.kind,
                worker: id,
                attempts: job.attempts,
                output: incoming.payload
            )
            return [.complete(job: jobID, .success(receipt))] + pump(now: now)
        case .error:
            let error =
                (try? MessagingPayload.decode(MessagingError.self, from: incoming.payload))
                ?? MessagingError(.badPayload, "worker \(id) sent an error that is not a MessagingError")
            guard let jobID = header.id, let job = jobs[jobID] else {
                return [.warn("Worker \(id) refused a message: \(error)")]
            }
            if error.code == .unavailable {
                // The worker is draining and handed the job back untouched.
                if job.worker == id {
                    workers.modifyValue(forKey: id) { worker in
                        worker.jobs.remove(jobID)
                        worker.capacity = 0
                    }
                    requeue([jobID])
                }
                return pump(now: now)
            }
            _ = take(jobID)
            return [.complete(job: jobID, .failure(error))] + pump(now: now)
        default:
            let refusal = IncomingMessage.Refusal(
                id: header.id,
                error: MessagingError(
                    .badEnvelope,
                    "a worker sends heartbeat, ack or error, not \(header.kind.rawValue)"
                )
            )
            return [
                .warn("Refused a \(header.kind.rawValue) from worker \(id)"),
                .send(worker: id, refusal.reply, job: nil),
            ]
        }
    }

    // MARK: Time

    /// Every heartbeat interval: find silent workers and expired leases, requeue their jobs, and
    /// ping every worker.
    mutating func tick(now: Instant) -> [Action] {
        var actions: [Action] = []
        let silence = configuration.heartbeat * configuration.liveness
        for id in workers.keys.sorted() {
            guard let worker = workers[id], now - worker.lastHeard > silence else { continue }
            if worker.alive || !worker.jobs.isEmpty {
                if !worker.jobs.isEmpty {
                    actions.append(
                        .warn(
                            "Worker \(id) silent for \(silence); handing its \(worker.jobs.count) jobs to other workers."
                        )
                    )
                }
                requeue(worker.jobs.sorted())
                workers.modifyValue(forKey: id) { worker in
                    worker.jobs = []
                    worker.alive = false
                    worker.capacity = 0
                }
            }
            if worker.retiring {
                workers[id] = nil
                actions.append(.disconnect(worker: id))
            }
        }
        for (id, job) in jobs.sorted(by: { $0.key < $1.key }) {
            guard let worker = job.worker, let deadline = job.deadline, deadline < now else { continue }
            actions.append(.warn("Job \(id) not acknowledged by \(worker) within its lease; handing it on."))
            workers.modifyValue(forKey: worker) { $0.jobs.remove(id) }
            requeue([id])
        }
        for id in workers.keys.sorted() { actions.append(heartbeat(to: id)) }
        return actions + pump(now: now)
    }

    // MARK: Helpers

    /// Hands queued jobs, oldest first, to the alive workers of their kind with free slots: the
    /// one with the most free slots, other than the job's previous worker when there is a choice.
    private mutating func pump(now: Instant) -> [Action] {
        var actions: [Action] = []
        var waiting: [String] = []
        var index = 0
        while index < queue.count {
            let id = queue[index]
            index += 1
            guard let job = jobs[id] else { continue }
            let able = workers.filter { $0.value.free > 0 && $0.value.kinds.contains(job.kind) }
            let others = able.filter { $0.key != job.previous }
            let candidates = others.isEmpty ? able : others
            guard let (workerID, _) = candidates.max(by: { ($0.value.free, $1.key) < ($1.value.free, $0.key) }) else {
                waiting.append(id)
                if !workers.values.contains(where: { $0.free > 0 }) { break }
                continue
            }
            let deadline = now + configuration.lease
            jobs.modifyValue(forKey: id) { job in
                job.attempts += 1
                job.worker = workerID
                job.deadline = deadline
            }
            workers.modifyValue(forKey: workerID) { $0.jobs.insert(id) }
            let message = MessagingEnvelope(kind: .job, id: id, method: job.kind).message(payload: job.input)
            actions.append(.send(worker: workerID, message, job: id))
        }
        queue = waiting + queue[index...]
        return actions
    }

    private mutating func requeue(_ ids: [String]) {
        for id in ids {
            guard var job = jobs[id] else { continue }
            job.previous = job.worker
            job.worker = nil
            job.deadline = nil
            jobs[id] = job
        }
        queue.insert(contentsOf: ids.filter { jobs[$0] != nil }, at: 0)
    }

    /// Removes a job, wherever it is.
    private mutating func take(_ id: String) -> Job? {
        guard let job = jobs.removeValue(forKey: id) else { return nil }
        if let worker = job.worker { workers.modifyValue(forKey: worker) { $0.jobs.remove(id) } }
        queue.removeAll { $0 == id }
        return job
    }

    /// Drops a worker at once, requeueing its jobs.
    private mutating func forget(_ id: String, because reason: String) -> [Action] {
        guard let worker = workers.removeValue(forKey: id) else { return [] }
        requeue(worker.jobs.sorted())
        return [
            .disconnect(worker: id),
            .warn("Worker \(id) \(reason); its \(worker.jobs.count) jobs go back to the queue."),
        ]
    }

    private mutating func heartbeat(to worker: String) -> Action {
        nextHeartbeat += 1
        return .send(
            worker: worker,
            MessagingEnvelope(kind: .heartbeat, id: String(nextHeartbeat)).message(payload: Array("{}".utf8)),
            job: nil
        )
    }
}
