extension Service {
    /// Waits until the service is in `target` state.
    ///
    /// ```swift
    /// try await server.waitUntil(.ready, timeout: .seconds(5))
    /// ```
    /// - Throws: ``ServiceError/Code/timedOut`` naming the state it was in when `timeout`
    ///   passed, or `CancellationError`.
    public func waitUntil(_ target: ServiceState, timeout: Duration? = nil) async throws {
        let wait: @Sendable () async throws -> Void = { try await self.wait { $0.state == target } }
        guard let timeout else { return try await wait() }
        do {
            try await withTimeout(timeout, wait)
        } catch is TimeoutError {
            throw ServiceError(.timedOut, path: path, reason: "waited \(timeout) for \(target); it is \(state)")
        }
    }

    /// Starts the service if it is not running, then waits until it has stopped.
    ///
    /// Cancelling the waiting task stops the service. If a failure stopped the tree (see
    /// ``FailurePolicy/stopTree``), that failure is thrown.
    public func serveForever() async throws {
        try await start()
        do {
            try await wait { $0.state == .stopped }
        } catch is CancellationError {
            await stop()
        }
        if let failure = storage.withLock({ $0.stopFailure }) { throw failure }
    }

    /// Starts the service, runs `body`, and stops the service when `body` returns or throws:
    /// the original's `with service:` block.
    ///
    /// ```swift
    /// try await server.withRunning {
    ///     try await talk(to: server.port)
    /// }
    /// ```
    public func withRunning<Result>(_ body: () async throws -> Result) async throws -> Result {
        try await start()
        let result: Result
        do {
            result = try await body()
        } catch {
            await stop()
            throw error
        }
        await stop()
        return result
    }

    /// Throws unless the service is ready; waits up to `timeout` for it first.
    ///
    /// Call it at the top of methods that need a started service:
    /// ```swift
    /// func send(_ message: String) async throws {
    ///     try await requireReady()
    ///     ...
    /// }
    /// ```
    public func requireReady(timeout: Duration = .zero) async throws {
        if isReady { return }
        if timeout > .zero {
            try? await waitUntil(.ready, timeout: timeout)
            if isReady { return }
        }
        throw ServiceError(.notReady, path: path, reason: "it is \(state)")
    }
}
