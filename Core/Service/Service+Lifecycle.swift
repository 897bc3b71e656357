extension Service {
    private enum StartStep {
        case done
        case fail(ServiceError)
        case waitForStop
        case skip
        case join(Task<Void, any Error>)
        case inline
        case waitForStart
    }

    private enum StopStep {
        case nothing
        case waitForStop
        case stop(startOperation: Storage.StartOperation?)
    }

    /// Starts the children and then this service (the other way round with ``startBefore``);
    /// returns once the service is ready.
    ///
    /// Starting a ready service does nothing; starting one that is starting waits for that start.
    /// If a child fails to start, the children already started are stopped in reverse order,
    /// the service ends ``ServiceState/stopped``, and the error names the failing service's path.
    public func start() async throws {
        try await start(restart: nil)
    }

    /// Starts the service; a restart (with its token) happens only if no `stop()` came after it
    /// was scheduled.
    func start(restart: UInt64?) async throws {
        // A child started by its parent's start runs in the parent's task: a whole tree starts in
        // one task, and stopping the parent (which cancels that task) interrupts it.
        let parentStart = parent?.storage.withLock { $0.startOperation?.token }
        let inline = parentStart != nil && TaskRunner.current == parentStart
        while true {
            let step: StartStep = mutate { storage in
                if let restart, storage.pendingRestart != restart { return .skip }
                storage.pendingRestart = nil
                if let error = storage.treeError { return .fail(error) }
                switch storage.state {
                case .ready:
                    return .done
                case .starting:
                    guard let task = storage.startOperation?.task else { return .waitForStart }
                    return .join(task)
                case .stopping:
                    return .waitForStop
                case .initial, .stopped:
                    storage.state = .starting
                    storage.lastError = nil
                    storage.stopFailure = nil
                    storage.startRunning = true
                    if inline, let parentStart {
                        storage.startOperation = .init(token: parentStart, task: nil)
                        return .inline
                    }
                    let token = TaskRunner.makeToken()
                    let task = Task {
                        try await TaskRunner.$current.withValue(token) { try await self.performStart() }
                    }
                    storage.startOperation = .init(token: token, task: task)
                    return .join(task)
                }
            }
            switch step {
            case .done, .skip:
                return
            case .fail(let error):
                throw error
            case .waitForStop:
                try await wait { $0.state == .stopped }
            case .inline:
                return try await performStart()
            case .waitForStart:
                try await wait { $0.state != .starting }
                let (state, error) = storage.withLock { ($0.state, $0.lastError) }
                if state == .ready { return }
                throw error as? ServiceError ?? ServiceError(.startInterrupted, path: path)
            case .join(let task):
                try await withTaskCancellationHandler {
                    try await task.value
                } onCancel: {
                    task.cancel()
                }
                return
            }
        }
    }

    private func performStart() async throws {
        defer { mutate { $0.startRunning = false } }
        logger.debug("Starting.")
        let children = self.children
        var started: [Service] = []
        do {
            if !declaredSettings.isEmpty { try settings.validate(self) }
            if startBefore { try await startSelf() }
            for child in children {
                try checkStillStarting()
                try await child.start()
                started.append(child)
            }
            try checkStillStarting()
            if !startBefore { try await startSelf() }
            let ready = mutate { storage in
                guard storage.state == .starting else { return false }
                storage.state = .ready
                storage.startOperation = nil
                return true
            }
            guard ready else { throw CancellationError() }
            logger.debug("Ready.")
        } catch {
            if state == .stopping {
                // stop() interrupted this start; it tears everything down itself.
                throw ServiceError(.startInterrupted, path: path)
            }
            for child in started.reversed() { await child.stop() }
            await stopSelf()
            let failure = startFailure(error)
            mutate { storage in
                storage.state = .stopped
                storage.lastError = failure
                storage.startOperation = nil
            }
            logger.error("\(failure)")
            throw failure
        }
    }

    private func checkStillStarting() throws {
        guard state == .starting else { throw CancellationError() }
    }

    /// Runs `doStart()` and, if the service deferred readiness, waits for `setReady()`.
    private func startSelf() async throws {
        mutate { storage in
            storage.readyDeferred = false
            storage.selfReady = false
            storage.deferredStartError = nil
            storage.stopNoticed = false
        }
        do {
            try await doStart()
        } catch {
            await stopTasks()
            throw error
        }
        storage.withLock { $0.selfStarted = true }
        guard storage.withLock({ $0.readyDeferred }) else { return }
        let timeout = startTimeout
        do {
            try await withTimeout(timeout) {
                try await self.wait { $0.selfReady || $0.deferredStartError != nil || $0.state != .starting }
            }
        } catch is TimeoutError {
            throw ServiceError(
                .startTimedOut,
                path: path,
                reason: "it deferred readiness and did not call setReady() within \(timeout)"
            )
        }
        if let error = storage.withLock({ $0.deferredStartError }) { throw error }
        try checkStillStarting()
    }

    /// The error a failed start throws: a child's own start error is passed up unchanged, so it
    /// names the service that failed.
    private func startFailure(_ error: any Error) -> ServiceError {
        if let error = error as? ServiceError,
            [.startFailed, .startTimedOut, .invalidTree].contains(error.code)
        {
            return error
        }
        return ServiceError(.startFailed, path: path, underlying: error)
    }

    /// Stops the children in reverse order, then calls `doStop()`, then cancels and awaits every
    /// task the service spawned.
    ///
    /// Idempotent, and safe to call concurrently with `start()` (which it interrupts) and from
    /// inside the service's own spawned tasks. Errors from `doStop()` are logged and kept in
    /// ``lastError``; the service ends ``ServiceState/stopped`` either way.
    public func stop() async {
        let step: StopStep = mutate { storage in
            storage.pendingRestart = nil
            switch storage.state {
            case .initial, .stopped:
                return .nothing
            case .stopping:
                return .waitForStop
            case .starting, .ready:
                storage.state = .stopping
                defer { storage.startOperation = nil }
                return .stop(startOperation: storage.startOperation)
            }
        }
        switch step {
        case .nothing:
            return
        case .waitForStop:
            await waitIgnoringCancellation { $0.state == .stopped }
        case .stop(let startOperation):
            if TaskRunner.current == nil && !Task.isCancelled {
                await performStop(interrupting: startOperation)
            } else {
                // A task of its own, so a caller inside the tree (such as a spawned task of this
                // very service, which the stop cancels) still stops the service completely.
                await Task { await self.performStop(interrupting: startOperation) }.value
            }
        }
    }

    private func performStop(interrupting startOperation: Storage.StartOperation?) async {
        logger.debug("Stopping.")
        if let startOperation, TaskRunner.current != startOperation.token {
            if let task = startOperation.task {
                task.cancel()
                _ = try? await task.value
            } else {
                // Started inline by the parent's start: it sees the state and unwinds.
                await waitIgnoringCancellation { !$0.startRunning }
            }
        }
        await noticeStop()
        for child in children.reversed() { await child.stop() }
        await stopSelf()
        mutate { $0.state = .stopped }
        logger.debug("Stopped.")
    }

    /// Calls `willStop()` on this service and its started descendants, top-down, once per stop.
    private func noticeStop() async {
        let due = storage.withLock { storage in
            defer { storage.stopNoticed = true }
            return storage.selfStarted && !storage.stopNoticed
        }
        if due { await willStop() }
        for child in children { await child.noticeStop() }
    }

    /// Calls `doStop()` if `doStart()` had run, then ends the spawned tasks.
    private func stopSelf() async {
        let due = storage.withLock { storage in
            defer { storage.selfStarted = false }
            return storage.selfStarted
        }
        if due {
            do {
                try await doStop()
            } catch {
                logger.error("doStop failed: \(error)")
                storage.withLock { $0.lastError = error }
            }
        }
        await stopTasks()
    }

    /// Reloads the children and this service (ordered like start). Every node is reloaded even
    /// if one fails; the first failure is thrown afterwards.
    public func reload() async throws {
        guard state == .ready else { return }
        var failures: [any Error] = []
        func reloadSelf() async {
            do {
                try await doReload()
            } catch {
                logger.error("Reload failed: \(error)")
                failures.append(ServiceError(.reloadFailed, path: path, underlying: error))
            }
        }
        if startBefore { await reloadSelf() }
        for child in children {
            do { try await child.reload() } catch { failures.append(error) }
        }
        if !startBefore { await reloadSelf() }
        if let failure = failures.first { throw failure }
    }
}
