extension Service {
    /// Runs `body` as a task owned by this service: cancelled and awaited when the service
    /// stops. An error it throws is logged with the service path and handled by the
    /// ``failurePolicy``.
    ///
    /// ```swift
    /// override func doStart() async throws {
    ///     spawn {
    ///         while !Task.isCancelled {
    ///             self.logger.info("tick")
    ///             try await Task.sleep(for: .seconds(1))
    ///         }
    ///     }
    /// }
    /// ```
    /// Only a starting or ready service runs tasks; on any other the task is not run, a warning
    /// is logged, and the handle ends with `CancellationError`.
    @discardableResult
    public func spawn(_ body: @escaping @Sendable () async throws -> Void) -> SpawnedTask {
        let completion = SpawnedTask.Completion()
        let runner: TaskRunner? = storage.withLock { storage in
            guard storage.state == .starting || storage.state == .ready else { return nil }
            if storage.runner == nil {
                // Held strongly, until `stopTasks` drops the runner. A weak reference would move
                // the service's reference count to a side table for good, where a retain takes 48
                // instructions instead of 22 (an RPC client's calls retain it several times
                // each). A running service is kept alive by its tasks' closures in any case.
                storage.runner = TaskRunner { error in self.taskFailed(error) }
            }
            return storage.runner
        }
        if let runner, runner.submit(TaskRunner.Job(body: body, completion: completion)) {
            return SpawnedTask(completion: completion)
        }
        logger.warning("Task not spawned: the service is \(state), not running.")
        completion.finish(.failure(CancellationError()))
        return SpawnedTask(completion: completion)
    }

    /// Runs `body` after `delay` as a task owned by this service; it never runs if the service
    /// stops first.
    @discardableResult
    public func spawnLater(
        after delay: Duration,
        _ body: @escaping @Sendable () async throws -> Void
    ) -> SpawnedTask {
        spawn {
            try await Task.sleep(for: delay)
            try await body()
        }
    }

    /// Cancels every spawned task and waits for them (except the calling task itself).
    @inline(__always)
    nonisolated(nonsending) func stopTasks() async {
        let runner = storage.withLock { storage in
            defer { storage.runner = nil }
            return storage.runner
        }
        guard let runner else { return }
        runner.shutdown()
        await runner.join()
    }

    /// A spawned task threw.
    private func taskFailed(_ error: any Error) {
        let state = self.state
        guard state == .ready || state == .starting, !(error is CancellationError) else {
            logger.debug("Task ended while the service was \(state): \(error)")
            return
        }
        logger.error("Task failed: \(error)")
        handleFailure(ServiceError(.taskFailed, path: path, underlying: error))
    }

    /// Applies the failure policy to a failure of this service (its own task, its restart, or
    /// a child's escalation).
    func handleFailure(_ failure: ServiceError) {
        switch failurePolicy.kind {
        case .ignore:
            return
        case .stopTree:
            root.failTree(failure)
        case .restart(let limits):
            let action = storage.withLock { $0.restarts.failed(at: .now, limits: limits) }
            switch action {
            case .escalate:
                logger.error("Restarted \(limits.maxRestarts) times within \(limits.window); escalating.")
                if let parent { parent.handleFailure(failure) } else { failTree(failure) }
            case .restart(let delay):
                scheduleRestart(after: delay)
            }
        }
    }

    private func scheduleRestart(after delay: Duration) {
        let token = TaskRunner.makeToken()
        storage.withLock { $0.pendingRestart = token }
        logger.notice("Restarting in \(delay).")
        let restart: @Sendable () async -> Void = {
            await self.stopForRestart(token)
            do {
                try await Task.sleep(for: delay)
                try await self.start(restart: token)
            } catch is CancellationError {
                return
            } catch let failure as ServiceError {
                self.handleFailure(failure)
            } catch {
                self.handleFailure(ServiceError(.startFailed, path: self.path, underlying: error))
            }
        }
        // The parent owns the restart, so stopping the parent cancels it.
        if let parent, parent.isReady {
            parent.spawn { await restart() }
        } else {
            Task { await TaskRunner.$current.withValue(nil) { await restart() } }
        }
    }

    /// Stops the service for a restart without forgetting that the restart is pending.
    private func stopForRestart(_ token: UInt64) async {
        await stop()
        storage.withLock { storage in
            if storage.state == .stopped { storage.pendingRestart = token }
        }
    }

    /// Stops this tree (called on the root) because of `failure`.
    func failTree(_ failure: ServiceError) {
        storage.withLock { storage in
            storage.stopFailure = storage.stopFailure ?? failure
            storage.lastError = storage.stopFailure
        }
        logger.critical("Stopping because \(failure)")
        Task { await TaskRunner.$current.withValue(nil) { await self.stop() } }
    }
}
