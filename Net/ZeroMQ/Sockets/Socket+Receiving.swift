extension Socket {
    /// Receives the next message, waiting (without blocking a thread) until one arrives.
    ///
    /// ```swift
    /// let message = try await socket.receive()
    /// print(message.strings)
    /// ```
    /// - Throws: ``ZMQError`` (`ENOTSUP` on a PUB or PUSH socket, `EFSM` out of turn on REQ/REP,
    ///   `EAGAIN` after ``SocketOption/receiveTimeout``, `ENOTSOCK` once closed), or
    ///   `CancellationError`, after which the socket is still usable.
    nonisolated(nonsending) public func receive() async throws -> Message {
        try await receive { state throws(ZMQError) in try state.receiveNow() }
    }

    /// Receives every message already queued, up to `limit`, waiting only if there is none.
    ///
    /// One call moves a whole burst under one lock: the fast way to consume a busy socket. It runs
    /// on the caller's executor (`nonisolated(nonsending)`), as ``receive()`` does.
    /// ```swift
    /// for message in try await socket.receive(upTo: 512) { handle(message) }
    /// ```
    nonisolated(nonsending) public func receive(upTo limit: Int) async throws -> [Message] {
        var messages: [Message] = []
        messages.reserveCapacity(Swift.min(limit, 256))
        try await receive(into: &messages, upTo: limit)
        return messages
    }

    /// Appends every message already queued, up to `limit`, to `messages`, waiting only if there
    /// is none: ``receive(upTo:)`` into an array you keep, so that a loop over a busy socket
    /// reuses one array's storage instead of allocating one per burst.
    ///
    /// ```swift
    /// var burst: [Message] = []
    /// while true {
    ///     burst.removeAll(keepingCapacity: true)
    ///     try await socket.receive(into: &burst, upTo: 512)
    ///     for message in burst { handle(message) }
    /// }
    /// ```
    nonisolated(nonsending) public func receive(into messages: inout [Message], upTo limit: Int) async throws {
        precondition(limit > 0, "receive(upTo:) needs a limit of at least 1")
        let start = messages.count
        try await receive { state throws(ZMQError) -> Void? in
            guard let first = try state.receiveNow() else { return nil }
            // Appended to while it is a local: through the captured `inout`, each append cost a
            // sixtieth more per message.
            var received: [Message] = []
            swap(&received, &messages)
            defer { swap(&received, &messages) }
            received.append(first)
            // What came before an error is delivered; the error comes back on the next call.
            while received.count - start < limit, let message = try? state.receiveNow() {
                received.append(message)
            }
            return ()
        }
    }

    /// Appends every message already queued, up to `limit`, to `buffer` as bytes, waiting only if
    /// there is none: ``receive(into:upTo:)`` with no frame, message or array made per message,
    /// for a loop that reads each message in place (see ``MessageBuffer``).
    ///
    /// ```swift
    /// var burst = MessageBuffer()
    /// burst.removeAll()
    /// try await socket.receive(into: &burst, upTo: 256)
    /// ```
    nonisolated(nonsending) public func receive(into buffer: inout MessageBuffer, upTo limit: Int) async throws {
        precondition(limit > 0, "receive(upTo:) needs a limit of at least 1")
        let start = buffer.count
        try await receive { state throws(ZMQError) -> Void? in
            var received = MessageBuffer()
            swap(&received, &buffer)
            defer { swap(&received, &buffer) }
            guard try state.receiveNow(into: &received) else { return nil }
            // What came before an error is delivered; the error comes back on the next call.
            while received.count - start < limit, (try? state.receiveNow(into: &received)) == true {}
            return ()
        }
    }

    /// Runs `take` under the lock until it finds something, waiting for the socket in between.
    /// Inlined into both receives, so that each is one async frame over its loop.
    @inline(__always)
    private nonisolated(nonsending) func receive<Received>(
        _ take: (inout SocketState) throws(ZMQError) -> Received?
    ) async throws -> Received {
        while true {
            try Task.checkCancellation()
            switch try receiveStep(take) {
            case .received(let received):
                return received
            case .wait(let id, timeout: nil):
                try await waitUntilReady(id)
            case .wait(let id, let timeout?):
                return try await receive(take, waitingAs: id, within: timeout)
            }
        }
    }

    /// The rest of a receive on a socket with a receive timeout. Out of line: its deadline is a
    /// `ContinuousClock.Instant`, whose size is known only at run time, and such a local costs a
    /// task allocation in every call of the async function that has it, taken or not.
    @inline(never)
    private nonisolated(nonsending) func receive<Received>(
        _ take: (inout SocketState) throws(ZMQError) -> Received?,
        waitingAs id: UInt64,
        within timeout: Duration
    ) async throws -> Received {
        let deadline = ContinuousClock.now + timeout
        var id = id
        while true {
            try await wait(id, deadline: deadline, .receive)
            try Task.checkCancellation()
            switch try receiveStep(take) {
            case .received(let received):
                return received
            case .wait(let next, _):
                id = next
            }
        }
    }

    /// Receives one message if one is queued, without waiting.
    public func tryReceive() throws(ZMQError) -> Message? {
        let reactor = context.reactor
        let (result, ready) = state.withLock { state in
            let result = Result { () throws(ZMQError) in try state.receiveNow() }
            return (result, state.readyWaiters(reactor: reactor))
        }
        ready.resume()
        return try result.get()
    }

    private enum ReceiveStep<Received> {
        case received(Received)
        case wait(UInt64, timeout: Duration?)
    }

    /// `take` under the lock; when it finds nothing, the task is registered as a waiter, with no
    /// array made. Never inlined: in an async function every closure context (the lock's, the
    /// result's) is a task allocation, here they are on the thread's stack.
    @inline(never)
    private func receiveStep<Received>(
        _ take: (inout SocketState) throws(ZMQError) -> Received?
    ) throws(ZMQError) -> ReceiveStep<Received> {
        let reactor = context.reactor
        let (result, ready) = state.withLock { state -> (Result<ReceiveStep<Received>, ZMQError>, Wakeups) in
            do throws(ZMQError) {
                if let received = try take(&state) {
                    return (.success(.received(received)), state.readyWaiters(reactor: reactor))
                }
            } catch {
                return (.failure(error), state.readyWaiters(reactor: reactor))
            }
            let id = state.addWaiter(.receive)
            let ready = state.readyWaiters(reactor: reactor, receiveDrained: true)
            return (.success(.wait(id, timeout: state.receiveTimeout)), ready)
        }
        ready.resume()
        return try result.get()
    }
}
