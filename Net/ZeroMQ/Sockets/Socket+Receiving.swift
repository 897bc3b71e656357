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
        try await receive(upTo: 1)[0]
    }

    /// Receives every message already queued, up to `limit`, waiting only if there is none.
    ///
    /// One call moves a whole burst under one lock: the fast way to consume a busy socket. It runs
    /// on the caller's executor (`nonisolated(nonsending)`), as ``receive()`` does.
    /// ```swift
    /// for message in try await socket.receive(upTo: 512) { handle(message) }
    /// ```
    nonisolated(nonsending) public func receive(upTo limit: Int) async throws -> [Message] {
        precondition(limit > 0, "receive(upTo:) needs a limit of at least 1")
        var deadline: ContinuousClock.Instant?
        while true {
            try Task.checkCancellation()
            let step = try receiveStep(limit: limit)
            switch step {
            case .received(let messages):
                return messages
            case .wait(let id, let timeout):
                if deadline == nil, let timeout { deadline = .now + timeout }
                try await wait(id, deadline: deadline, operation: "receive on \(type)")
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
        for continuation in ready { continuation.resume() }
        return try result.get()
    }

    private enum ReceiveStep {
        case received([Message])
        case wait(UInt64, timeout: Duration?)
    }

    private func receiveStep(limit: Int) throws(ZMQError) -> ReceiveStep {
        let reactor = context.reactor
        let (result, ready) = state.withLock {
            state -> (Result<ReceiveStep, ZMQError>, [UnsafeContinuation<Void, any Error>]) in
            var messages: [Message] = []
            messages.reserveCapacity(Swift.min(limit, 256))
            do throws(ZMQError) {
                while messages.count < limit, let message = try state.receiveNow() {
                    messages.append(message)
                }
            } catch {
                // Deliver what came before the error; the error comes back on the next call.
                if messages.isEmpty { return (.failure(error), state.readyWaiters(reactor: reactor)) }
            }
            if messages.isEmpty {
                let id = state.addWaiter(.receive)
                let ready = state.readyWaiters(reactor: reactor, receiveDrained: true)
                return (.success(.wait(id, timeout: state.receiveTimeout)), ready)
            }
            return (.success(.received(messages)), state.readyWaiters(reactor: reactor))
        }
        for continuation in ready { continuation.resume() }
        return try result.get()
    }
}
