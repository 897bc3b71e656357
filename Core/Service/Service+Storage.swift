import Logging

extension Service {
    /// Everything mutable about a service, guarded by its one `Mutex`.
    struct Storage {
        var state = ServiceState.initial
        weak var parent: Service?
        var children: [Service] = []
        /// A rejected `addService`, thrown by the next `start()`.
        var treeError: ServiceError?
        var lastError: (any Error)?
        /// The start in progress, so `stop()` can interrupt it: the task running it, or `nil`
        /// for a child started inline by its parent's start (whose token it carries).
        var startOperation: StartOperation?
        /// A start is running `performStart()`.
        var startRunning = false
        /// Runs spawned tasks; created on the first `spawn`.
        var runner: TaskRunner?
        /// `doStart()` returned, so `doStop()` is due.
        var selfStarted = false
        /// `willStop()` ran for the stop in progress.
        var stopNoticed = false
        var readyDeferred = false
        var selfReady = false
        /// The error a deferred-ready service gave `failStart(_:)`.
        var deferredStartError: (any Error)?
        var waiters: [UInt64: Waiter] = [:]
        var nextWaiterID: UInt64 = 0
        /// ``Service/path`` and ``Service/logger``, computed on first use and forgotten when the
        /// service moves in a tree.
        var path: String?
        var logger: Logger?
        var settings: Settings?
        /// The failure that stopped this tree (on the root).
        var stopFailure: ServiceError?
        var restarts = RestartStateMachine()
        /// Set while a restart is scheduled; `stop()` clears it so the restart does not happen.
        var pendingRestart: UInt64?

        struct StartOperation {
            let token: UInt64
            let task: Task<Void, any Error>?
        }

        struct Waiter {
            let condition: @Sendable (Storage) -> Bool
            let continuation: CheckedContinuation<Void, any Error>
        }

        /// Removes and returns the waiters whose condition now holds.
        @inline(__always)
        mutating func takeSatisfiedWaiters() -> [CheckedContinuation<Void, any Error>] {
            waiters.isEmpty ? [] : takeSatisfiedWaitersOutOfLine()
        }

        /// Out of line for the reason `Service.resume(_:)` is.
        @inline(never)
        private mutating func takeSatisfiedWaitersOutOfLine() -> [CheckedContinuation<Void, any Error>] {
            var satisfied: [CheckedContinuation<Void, any Error>] = []
            for (id, waiter) in waiters where waiter.condition(self) {
                satisfied.append(waiter.continuation)
                waiters[id] = nil
            }
            return satisfied
        }
    }

    /// Changes the storage and wakes the waiters whose condition the change satisfied.
    @discardableResult
    func mutate<Result>(_ body: (inout Storage) -> Result) -> Result {
        let (result, satisfied) = storage.withLock { storage in
            let result = body(&storage)
            return (result, storage.takeSatisfiedWaiters())
        }
        if !satisfied.isEmpty { Self.resume(satisfied) }
        return result
    }

    /// Out of line: inlined into the async functions that call `mutate`, the loop's continuation
    /// (of a type whose size is known only at run time) cost each of them a task allocation per
    /// call, though waiters are rare.
    @inline(never)
    private static func resume(_ continuations: [CheckedContinuation<Void, any Error>]) {
        for continuation in continuations { continuation.resume() }
    }

    /// Waits until `condition` holds for the storage; throws `CancellationError` if the task is
    /// cancelled first.
    ///
    /// Never inlined: the lifecycle's hot paths call it only on a contended start or stop, and
    /// inlined, its continuation (of a type whose size is known only at run time) cost them a
    /// task allocation on every call.
    @inline(never)
    func wait(until condition: @escaping @Sendable (Storage) -> Bool) async throws {
        let id = storage.withLock { storage in
            storage.nextWaiterID += 1
            return storage.nextWaiterID
        }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let outcome: Result<Void, any Error>? = storage.withLock { storage in
                    if condition(storage) { return .success(()) }
                    if Task.isCancelled { return .failure(CancellationError()) }
                    storage.waiters[id] = Storage.Waiter(condition: condition, continuation: continuation)
                    return nil
                }
                if let outcome { continuation.resume(with: outcome) }
            }
        } onCancel: {
            let waiter = storage.withLock { $0.waiters.removeValue(forKey: id) }
            waiter?.continuation.resume(throwing: CancellationError())
        }
    }

    /// Waits until `condition` holds, even if the task is cancelled meanwhile.
    @inline(never)
    func waitIgnoringCancellation(until condition: @escaping @Sendable (Storage) -> Bool) async {
        await Task { try? await self.wait(until: condition) }.value
    }
}
