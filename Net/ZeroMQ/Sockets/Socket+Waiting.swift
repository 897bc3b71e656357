extension Socket {
    /// Suspends the task registered as waiter `id` until the socket may be ready in its
    /// direction, until `deadline`, or until the task is cancelled. The direction names the
    /// operation in a timeout's error: a string built per wait cost an allocation.
    nonisolated(nonsending) func wait(
        _ id: UInt64,
        deadline: ContinuousClock.Instant?,
        _ direction: SocketState.Direction
    ) async throws {
        guard let deadline else { return try await waitUntilReady(id) }
        let timeout = deadline - .now
        let timedOut = try await withThrowingTaskGroup(of: Bool.self) { group in
            group.addTask {
                try await self.waitUntilReady(id)
                return false
            }
            group.addTask {
                try await Task.sleep(until: deadline)
                return true
            }
            defer { group.cancelAll() }
            return try await group.next() ?? false
        }
        if timedOut {
            throw ZMQError.timedOut("\(direction == .receive ? "receive" : "send") on \(type)", after: timeout)
        }
    }

    /// Suspends until waiter `id` is woken or the task is cancelled; it then returns either way,
    /// and the caller's loop checks for cancellation before it tries again. Inlined: the wait
    /// without a deadline is one async frame, not two.
    @inline(__always)
    nonisolated(nonsending) func waitUntilReady(_ id: UInt64) async throws {
        let reactor = context.reactor
        try await withTaskCancellationHandler {
            // Not `withUnsafeThrowingContinuation`, which switches to the caller's executor before
            // it suspends as well as after: for a task with an executor preference, each switch
            // reads the preference under the task's status lock.
            try await _unsafeInheritExecutor_withUnsafeThrowingContinuation {
                (continuation: UnsafeContinuation<Void, any Error>) in
                let installed = state.withLock { $0.install(id, continuation, reactor: reactor) }
                if !installed { continuation.resume() }
            }
        } onCancel: {
            let continuation = state.withLock { $0.cancel(id) }
            continuation?.resume(throwing: CancellationError())
        }
    }
}
