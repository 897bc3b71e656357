extension Socket {
    /// Sends a message, waiting (without blocking a thread) while the socket cannot take it:
    /// no peer yet on PUSH/DEALER/REQ, or the high-water mark reached.
    ///
    /// Returns once libzmq has queued the message; its I/O thread delivers it.
    /// ```swift
    /// try await socket.send(["tick", "42"])
    /// ```
    /// - Throws: ``ZMQError`` (`ENOTSUP` on SUB or PULL, `EFSM` out of turn on REQ/REP,
    ///   `EAGAIN` after ``SocketOption/sendTimeout``, `ENOTSOCK` once closed), or
    ///   `CancellationError`, in which case the message was not sent.
    ///
    /// Like ``receive()``, it runs on the caller's executor (`nonisolated(nonsending)`): no
    /// executor check on the way in and out, each of which reads the task's executor preference
    /// under its lock.
    nonisolated(nonsending) public func send(_ message: Message) async throws {
        // The common case: queued at once, with no array to make.
        if try trySend(message) { return }
        try await send(batch: [message])
    }

    /// Sends messages in order, as many per lock as the socket takes: the fast way to send a
    /// burst.
    ///
    /// ```swift
    /// try await socket.send(contentsOf: (1...1000).map { Message("job \($0)") })
    /// ```
    /// If it throws, the messages before the failing one were sent.
    nonisolated(nonsending) public func send(contentsOf messages: some Collection<Message>) async throws {
        // One conversion, then code that is not generic: unspecialised generic code looked up
        // type metadata for every message (a third of the time of a burst of small messages).
        try await send(batch: messages as? [Message] ?? Array(messages))
    }

    private nonisolated(nonsending) func send(batch messages: [Message]) async throws {
        var pending = messages[...]
        var deadline: ContinuousClock.Instant?
        while !pending.isEmpty {
            try Task.checkCancellation()
            let reactor = context.reactor
            let (result, ready) = state.withLock { state in
                let result = Result { () throws(ZMQError) -> (sent: Int, wait: (UInt64, Duration?)?) in
                    // Read in place: a `for` loop over the slice copied each message, and
                    // destroyed the copy, around its send.
                    try pending.withUnsafeBufferPointer { messages throws(ZMQError) in
                        for index in messages.indices {
                            guard try state.sendNow(messages[index]) else {
                                return (index, (state.addWaiter(.send), state.sendTimeout))
                            }
                        }
                        return (messages.count, nil)
                    }
                }
                return (result, state.readyWaiters(reactor: reactor))
            }
            ready.resume()
            switch result {
            case .failure(let error):
                throw error
            case .success(let outcome):
                pending = pending.dropFirst(outcome.sent)
                guard let (id, timeout) = outcome.wait else { return }
                if deadline == nil, let timeout { deadline = .now + timeout }
                try await wait(id, deadline: deadline, .send)
            }
        }
    }

    /// Sends a message if the socket can take it now; `false` if it would have to wait.
    public func trySend(_ message: Message) throws(ZMQError) -> Bool {
        try sendingNow { state throws(ZMQError) in try state.sendNow(message) }
    }

    /// Sends a message of two frames, copies of `first` and `second`, if the socket can take it
    /// now; `false` if it would have to wait. No ``Frame`` or ``Message`` is made: for a hot path
    /// that writes its frames on the stack, such as a header and the payload it goes with.
    ///
    /// ```swift
    /// let sent = try header.withUnsafeBytes { header in
    ///     try payload.withUnsafeBytes { try socket.trySend(copying: header, $0) }
    /// }
    /// ```
    public func trySend(copying first: UnsafeRawBufferPointer, _ second: UnsafeRawBufferPointer) throws(ZMQError)
        -> Bool
    {
        try withUnsafeTemporaryAllocation(of: UnsafeRawBufferPointer.self, capacity: 2) { parts throws(ZMQError) in
            parts.initializeElement(at: 0, to: first)
            parts.initializeElement(at: 1, to: second)
            return try trySend(copying: UnsafeBufferPointer(parts))
        }
    }

    /// Sends a message of three frames, copies of `first`, `second` and `third`, if the socket can
    /// take it now (a routing id, a header and a payload, say); `false` if it would have to wait.
    public func trySend(
        copying first: UnsafeRawBufferPointer,
        _ second: UnsafeRawBufferPointer,
        _ third: UnsafeRawBufferPointer
    ) throws(ZMQError) -> Bool {
        try withUnsafeTemporaryAllocation(of: UnsafeRawBufferPointer.self, capacity: 3) { parts throws(ZMQError) in
            parts.initializeElement(at: 0, to: first)
            parts.initializeElement(at: 1, to: second)
            parts.initializeElement(at: 2, to: third)
            return try trySend(copying: UnsafeBufferPointer(parts))
        }
    }

    private func trySend(copying parts: UnsafeBufferPointer<UnsafeRawBufferPointer>) throws(ZMQError) -> Bool {
        try sendingNow { state throws(ZMQError) in try state.sendNow(copying: parts) }
    }

    /// Sends messages in order, as many as the socket takes now, under one lock; returns how many
    /// were sent. Stops at the first it would have to wait for.
    ///
    /// A burst sent this way wakes libzmq's I/O thread once instead of once per message, when
    /// the messages are ready together (the replies to a batch of requests, say):
    /// ```swift
    /// let sent = try socket.trySend(contentsOf: replies)
    /// ```
    /// - Throws: ``ZMQError`` when the first message fails. A later one that fails ends the
    ///   burst: the count sent before it is returned, and it and the rest are not sent.
    public func trySend(contentsOf messages: [Message]) throws(ZMQError) -> Int {
        try sendingNow { state throws(ZMQError) in
            var sent = 0
            for message in messages {
                do throws(ZMQError) {
                    guard try state.sendNow(message) else { break }
                } catch {
                    if sent == 0 { throw error }
                    break
                }
                sent += 1
            }
            return sent
        }
    }

    /// Sends the messages of `buffer`, copies of their frames, in order and under one lock: as
    /// many as the socket takes now. A message that fails is skipped, and its index and error
    /// are returned with the others'; the rest still go.
    ///
    /// For a loop that holds what it sends, such as the replies to a batch of requests: one lock
    /// and one check of the waiters for the batch instead of one per message (185 instructions
    /// of each RPC call on the server).
    /// ```swift
    /// let (sent, failures) = socket.trySend(copying: held)
    /// ```
    /// - Returns: `sent`, how many messages, from the first, were sent or failed: the rest, from
    ///   the first the socket could not take now, were not tried (`sent` is `buffer.count` when it
    ///   took them all); and the failures among them.
    public func trySend(copying buffer: MessageBuffer) -> (sent: Int, failures: [(index: Int, error: ZMQError)]) {
        sendingNow { (state) throws(Never) in
            var sent = 0
            var full = false
            var failures: [(index: Int, error: ZMQError)] = []
            buffer.forEachMessage { index, frames in
                guard !full else { return }
                do throws(ZMQError) {
                    guard try state.sendNow(copying: frames) else {
                        full = true
                        return
                    }
                } catch {
                    failures.append((index, error))
                }
                sent += 1
            }
            return (sent, failures)
        }
    }

    /// Sends the messages `batch` holds, in order and under one lock, and empties it: as many as
    /// the socket takes now; those left once it cannot take more are dropped. A message that
    /// fails is skipped, and its index and error returned with the others'; the rest still go.
    /// Its frames were copied into libzmq as they were added: for the replies to a batch of
    /// requests, one copy each instead of two (``trySend(copying:)`` of a ``MessageBuffer``).
    /// - Throws: ``ZMQError`` when the socket is closed; `batch` is then left as it was.
    package func trySend(_ batch: inout OutgoingBatch) throws(ZMQError) -> [(index: Int, error: ZMQError)] {
        try sendingNow { (state) throws(ZMQError) in try state.sendNow(&batch) }
    }

    /// What `send` returns, run on the state under the lock, after which the waiters it made ready
    /// resume: the one shape of every send that does not wait.
    @inline(__always)
    private func sendingNow<Value: Sendable, Failure: Error>(
        _ send: (inout SocketState) throws(Failure) -> Value
    ) throws(Failure) -> Value {
        let reactor = context.reactor
        let onReactor = reactor.isCurrentThread
        let (result, ready) = state.withLock { state in
            (
                Result { () throws(Failure) in try send(&state) },
                waitersAfterSend(&state, reactor: reactor, onReactor: onReactor)
            )
        }
        ready.resume()
        return try result.get()
    }

    /// The waiters a send made ready. A send (libzmq processes pending commands in it about
    /// once a millisecond) may consume the `ZMQ_FD` edge a waiter needs, so they are checked after
    /// it; on the reactor thread, once at the end of its turn, before it waits again.
    private func waitersAfterSend(
        _ state: inout SocketState,
        reactor: Reactor,
        onReactor: Bool
    ) -> Wakeups {
        guard onReactor else { return state.readyWaiters(reactor: reactor) }
        if !state.waiters.isEmpty, !state.checkDue {
            state.checkDue = true
            reactor.atEndOfTurn(self)
        }
        return Wakeups()
    }
}
