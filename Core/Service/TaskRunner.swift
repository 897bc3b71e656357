import Synchronization

/// Runs the tasks a service spawns as children of one task group, so they are cancelled and
/// awaited together when the service stops.
///
/// The group lives in the one unstructured task of the runner; `spawn` hands it jobs through a
/// queue, and the group adds them in batches, so a burst of spawns costs one wake-up.
final class TaskRunner: Sendable {
    struct Job: Sendable {
        let body: @Sendable () async throws -> Void
        let completion: SpawnedTask.Completion
    }

    private struct Queue {
        var jobs: [Job] = []
        var waiting: CheckedContinuation<[Job]?, Never>?
        var closed = false
    }

    /// Identifies the runner's task and its children, so `stop()` called from inside one of them
    /// does not wait for itself.
    let token: UInt64
    private let queue = Mutex(Queue())
    private let task: Mutex<Task<Void, Never>?> = Mutex(nil)

    @TaskLocal static var current: UInt64?

    private static let nextToken = Atomic<UInt64>(1)

    static func makeToken() -> UInt64 {
        nextToken.wrappingAdd(1, ordering: .relaxed).oldValue
    }

    init(onFailure: @escaping @Sendable (any Error) -> Void) {
        self.token = Self.makeToken()
        let token = self.token
        let runner = Task {
            await TaskRunner.$current.withValue(token) {
                await withDiscardingTaskGroup { group in
                    while let batch = await self.nextBatch() {
                        for job in batch {
                            group.addTask {
                                do {
                                    try await job.body()
                                    job.completion.finish(.success(()))
                                } catch {
                                    job.completion.finish(.failure(error))
                                    onFailure(error)
                                }
                            }
                        }
                    }
                }
            }
        }
        task.withLock { $0 = runner }
    }

    /// Queues a job; returns `false` once the runner is shut down.
    func submit(_ job: Job) -> Bool {
        let (accepted, waiter): (Bool, CheckedContinuation<[Job]?, Never>?) = queue.withLock { queue in
            guard !queue.closed else { return (false, nil) }
            if let waiter = queue.waiting {
                queue.waiting = nil
                return (true, waiter)
            }
            queue.jobs.append(job)
            return (true, nil)
        }
        waiter?.resume(returning: [job])
        return accepted
    }

    /// Cancels every task and accepts no more.
    func shutdown() {
        let (waiter, unstarted) = queue.withLock { queue in
            queue.closed = true
            defer {
                queue.waiting = nil
                queue.jobs = []
            }
            return (queue.waiting, queue.jobs)
        }
        waiter?.resume(returning: nil)
        for job in unstarted { job.completion.finish(.failure(CancellationError())) }
        task.withLock { $0 }?.cancel()
    }

    /// Waits until every task has ended; returns at once when called from one of them.
    func join() async {
        guard TaskRunner.current != token, let runner = task.withLock({ $0 }) else { return }
        await runner.value
    }

    private func nextBatch() async -> [Job]? {
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<[Job]?, Never>) in
                let ready: [Job]?? = queue.withLock { queue in
                    if !queue.jobs.isEmpty {
                        defer { queue.jobs.removeAll(keepingCapacity: true) }
                        return .some(queue.jobs)
                    }
                    if queue.closed || Task.isCancelled { return .some(nil) }
                    queue.waiting = continuation
                    return .none
                }
                if let ready { continuation.resume(returning: ready) }
            }
        } onCancel: {
            shutdown()
        }
    }
}
