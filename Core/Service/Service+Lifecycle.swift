import Logging

extension Service {
    private enum StartStep {
        case done
        case fail(ServiceError)
        case waitForStop
        case skip
        case join(Task<Void, any Error>)
        case inline(parentStart: UInt64, log: LifecycleLog, children: [Service])
        case waitForStart
    }

    private enum StopStep {
        case nothing
        case waitForStop
        case stop(startOperation: Storage.StartOperation?, children: [Service])
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
    /// was scheduled. A parent starting its children passes its start's token, so a whole tree
    /// starts in one task, and stopping the parent (which cancels that task) interrupts it; and
    /// its lifecycle log.
    ///
    /// This and the other internal steps of start and stop are `nonisolated(nonsending)`: they run
    /// on the executor of the public `start()` or `stop()` that called them, with no executor check
    /// on each call, which was the largest cost of starting a big tree. The steps each service
    /// takes (`performStart`, `startSelf`, `performStop`, `stopSelf`, `stopTasks`) are inlined, and
    /// the rare ones (a start or stop in a task of its own, waiting) kept out of line: every async
    /// call is a task allocation, and so is every local of a type whose size is known only at run
    /// time (`CheckedContinuation`, `TaskPriority?`) in the inlined code, taken or not. 23
    /// allocations per service became 6, and a tree starts and stops in 0.56 of the time.
    nonisolated(nonsending) func start(restart: UInt64?, parentStart: (token: UInt64, log: LifecycleLog)? = nil)
        async throws
    {
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
                    storage.readyDeferred = false
                    storage.selfReady = false
                    storage.deferredStartError = nil
                    storage.stopNoticed = false
                    if let parentStart {
                        storage.startOperation = .init(token: parentStart.token, task: nil)
                        return .inline(parentStart: parentStart.token, log: parentStart.log, children: storage.children)
                    }
                    let (token, task) = startTask(children: storage.children)
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
            case .inline(let parentStart, let log, let children):
                return try await performStart(token: parentStart, log: log, children: children)
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

    /// A start in a task of its own, for a start that is not part of its parent's.
    ///
    /// Out of line, like the other rare paths of start and stop: inlined into an async function,
    /// the `Task` initializer's priority argument (a type whose size is known only at run time)
    /// costs a task allocation on every call, taken or not.
    @inline(never)
    private func startTask(children: [Service]) -> (token: UInt64, task: Task<Void, any Error>) {
        let token = TaskRunner.makeToken()
        let task = Task {
            try await TaskRunner.$current.withValue(token) {
                try await self.performStart(token: token, log: LifecycleLog(self.logger), children: children)
            }
        }
        return (token, task)
    }

    /// Starts `children` (the service's children as the start began; one added later is started
    /// by `addService`) and this service, in the task of the start with `token`.
    ///
    /// The lifecycle of a tree is logged by the service its start or stop began with, naming each
    /// service's path: one logger for the whole operation, and no path built unless the message
    /// is logged.
    @inline(__always)
    private nonisolated(nonsending) func performStart(
        token: UInt64,
        log: LifecycleLog,
        children: [Service]
    ) async throws {
        log.debug("Starting \(path).")
        var started = 0  // the first `started` children are running
        do {
            if !declaredSettings.isEmpty { try settings.validate(self) }
            if startBefore { try await startSelf() }
            for child in children {
                try checkStillStarting()
                try await child.start(restart: nil, parentStart: (token, log))
                started += 1
            }
            try checkStillStarting()
            if !startBefore { try await startSelf() }
            let ready = mutate { storage in
                storage.startRunning = false
                guard storage.state == .starting else { return false }
                storage.state = .ready
                storage.startOperation = nil
                return true
            }
            guard ready else { throw CancellationError() }
            log.debug("\(path) is ready.")
        } catch {
            let stopping = mutate { storage in
                guard storage.state == .stopping else { return false }
                storage.startRunning = false
                return true
            }
            if stopping {
                // stop() interrupted this start; it tears everything down itself.
                throw ServiceError(.startInterrupted, path: path)
            }
            for child in children[..<started].reversed() { await child.stop() }
            await stopSelf()
            let failure = startFailure(error)
            mutate { storage in
                storage.state = .stopped
                storage.startRunning = false
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
    @inline(__always)
    private nonisolated(nonsending) func startSelf() async throws {
        do {
            try await doStart()
        } catch {
            await stopTasks()
            throw error
        }
        let deferred = storage.withLock { storage in
            storage.selfStarted = true
            return storage.readyDeferred
        }
        if deferred { try await waitForDeferredReady() }
    }

    /// Waits for the `setReady()` of a service that deferred readiness. Out of line (see
    /// `startTask(children:)`).
    @inline(never)
    private nonisolated(nonsending) func waitForDeferredReady() async throws {
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
        await stop(byParent: nil)
    }

    /// Stops the service; `byParent` (with the parent's lifecycle log) when its parent's stop does
    /// it, which runs in a task the stop cannot cancel and has already called `willStop()` on the
    /// whole subtree.
    private nonisolated(nonsending) func stop(byParent parentLog: LifecycleLog?) async {
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
                return .stop(startOperation: storage.startOperation, children: storage.children)
            }
        }
        switch step {
        case .nothing:
            return
        case .waitForStop:
            await waitIgnoringCancellation { $0.state == .stopped }
        case .stop(let startOperation, let children):
            if let parentLog {
                await performStop(interrupting: startOperation, noticed: true, log: parentLog, children: children)
            } else if TaskRunner.current == nil && !Task.isCancelled {
                await performStop(
                    interrupting: startOperation,
                    noticed: false,
                    log: LifecycleLog(logger),
                    children: children
                )
            } else {
                await performStopInATaskOfItsOwn(interrupting: startOperation, children: children)
            }
        }
    }

    /// A stop in a task of its own, so a caller inside the tree (such as a spawned task of this
    /// very service, which the stop cancels) still stops the service completely. Out of line
    /// (see `startTask(children:)`).
    @inline(never)
    private nonisolated(nonsending) func performStopInATaskOfItsOwn(
        interrupting startOperation: Storage.StartOperation?,
        children: [Service]
    ) async {
        await Task {
            await self.performStop(
                interrupting: startOperation,
                noticed: false,
                log: LifecycleLog(self.logger),
                children: children
            )
        }
        .value
    }

    @inline(__always)
    private nonisolated(nonsending) func performStop(
        interrupting startOperation: Storage.StartOperation?,
        noticed: Bool,
        log: LifecycleLog,
        children: [Service]
    ) async {
        log.debug("Stopping \(path).")
        if let startOperation, TaskRunner.current != startOperation.token {
            if let task = startOperation.task {
                task.cancel()
                _ = try? await task.value
            } else {
                // Started inline by the parent's start: it sees the state and unwinds.
                await waitIgnoringCancellation { !$0.startRunning }
            }
        }
        if !noticed { await noticeStop() }
        for child in children.reversed() { await child.stop(byParent: log) }
        await stopSelf()
        mutate { $0.state = .stopped }
        log.debug("\(path) stopped.")
    }

    /// Calls `willStop()` on this service and its started descendants, top-down, once per stop.
    private nonisolated(nonsending) func noticeStop() async {
        let (due, children) = storage.withLock { storage in
            defer { storage.stopNoticed = true }
            return (storage.selfStarted && !storage.stopNoticed, storage.children)
        }
        if due { await willStop() }
        for child in children { await child.noticeStop() }
    }

    /// Calls `doStop()` if `doStart()` had run, then ends the spawned tasks.
    @inline(__always)
    private nonisolated(nonsending) func stopSelf() async {
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
