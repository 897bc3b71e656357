extension Socket {
    /// Suspends the task registered as waiter `id` until the socket may be ready in its
    /// direction, until `deadline`, or until the task is cancelled.
    nonisolated(nonsending) func wait(
        _ id: UInt64,
        deadline: ContinuousClock.Instant?,
        operation: @autoclosure () -> String
    ) async throws {
        guard let deadline else { return try await wait(id) }
        let timeout = deadline - .now
        let timedOut = try await withThrowingTaskGroup(of: Bool.self) { group in
            group.addTask {
                try await self.wait(id)
                return false
            }
            group.addTask {
                try await Task.sleep(until: deadline)
                return true
            }
            defer { group.cancelAll() }
            return try await group.next() ?? false
        }
        if timedOut { throw ZMQError.timedOut(operation(), after: timeout) }
    }

    private nonisolated(nonsending) func wait(_ id: UInt64) async throws {
        let reactor = context.reactor
        try await withTaskCancellationHandler {
            try await withUnsafeThrowingContinuation { (continuation: UnsafeContinuation<Void, any Error>) in
                let installed = state.withLock { $0.install(id, continuation, reactor: reactor) }
                if !installed { continuation.resume() }
            }
        } onCancel: {
            let continuation = state.withLock { $0.cancel(id) }
            continuation?.resume(throwing: CancellationError())
        }
        try Task.checkCancellation()
    }
}
