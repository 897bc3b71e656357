import Ginkgo
import GinkgoZeroMQ
import Logging

extension RPCClient {
    /// Opens the connections the target names, and follows discovery.
    func connect() async throws {
        book.withLock { $0.open = true }
        switch target {
        case .endpoints(let endpoints):
            apply { book in
                ((), endpoints.flatMap { book.machine.instanceSeen($0, endpoint: $0, healthy: true, now: .now) })
            }
        case .service(let name, let resolver, let tag):
            // Known before ready, so the first call has somewhere to go; the watch keeps it current.
            for instance in try await resolver.resolve(name, tag: tag) { seen(instance, tag: tag) }
            spawn {
                while true {
                    do {
                        try await self.follow(name, resolver: resolver, tag: tag)
                    } catch is CancellationError {
                        return
                    } catch {
                        // The resolver stops before this task is cancelled: no news then.
                        guard [.starting, .ready].contains(self.state) else { return }
                        self.logger.warning("Watching \(name) failed (\(error)); watching again in 1 s.")
                    }
                    try await Task.sleep(for: .seconds(1))
                }
            }
        }
        spawn { try await self.tick() }
    }

    /// Fails what is in flight and closes every connection.
    func closeAll() {
        let error = MessagingError(.unavailable, "the client \(path) stopped")
        apply { book in
            book.open = false
            var actions = book.machine.failAll(error)
            for id in book.machine.instances.keys.sorted() { actions += book.machine.instanceRemoved(id, now: .now) }
            return ((), actions)
        }
    }

    /// Follows discovery: instances come, go, and change health.
    private func follow(_ name: String, resolver: Resolver, tag: String?) async throws {
        for try await change in resolver.watch(name) {
            switch change.kind {
            case .removed:
                apply { ((), $0.machine.instanceRemoved(change.instance.id, now: .now)) }
            case .added, .health, .updated:
                seen(change.instance, tag: tag)
            }
        }
    }

    private func seen(_ instance: ServiceInstance, tag: String?) {
        guard let endpoint = instance.endpoints["rpc"] ?? instance.endpoint() else {
            logger.warning("\(instance.key) has no rpc endpoint; not calling it.")
            return
        }
        let healthy = instance.health == .healthy && (tag.map(instance.tags.contains) ?? true)
        apply { ((), $0.machine.instanceSeen(instance.id, endpoint: endpoint, healthy: healthy, now: .now)) }
    }

    /// Expires calls and sends heartbeats, a few times per heartbeat interval.
    private func tick() async throws {
        let period = min(configuration.heartbeatInterval / 4, .milliseconds(25))
        while true {
            try await Task.sleep(for: period, tolerance: period / 4)
            apply { ((), $0.machine.tick(now: .now)) }
        }
    }

    /// Reads what `connection`'s instance sends until the connection closes, on ``executor`` while
    /// the callers are there and on Swift's pool while they are not.
    private func receive(_ connection: RPCConnection) async {
        do {
            while true {
                if callersOnExecutor.load(ordering: .relaxed) {
                    try await withTaskExecutorPreference(executor) {
                        try await receive(connection, whileCallersOnExecutor: true)
                    }
                } else {
                    try await receive(connection, whileCallersOnExecutor: false)
                }
            }
        } catch {
            if !connection.socket.isClosed { logger.warning("Receiving from \(connection.instance) failed: \(error)") }
        }
    }

    private func receive(_ connection: RPCConnection, whileCallersOnExecutor onExecutor: Bool) async throws {
        // Kept from burst to burst: the messages' bytes are read in place, and the storage of the
        // answers and of what is done after the lock is reused.
        var burst = MessageBuffer()
        var answers: [Machine.Answer] = []
        var after = AfterLock()
        repeat {
            burst.removeAll()
            try await connection.socket.receive(into: &burst, upTo: 256)
            received(burst, on: connection, reading: &answers, after: &after)
        } while callersOnExecutor.load(ordering: .relaxed) == onExecutor
    }

    /// A burst of messages from `connection`, read into `answers` first and then applied under
    /// one lock.
    private func received(
        _ burst: MessageBuffer,
        on connection: RPCConnection,
        reading answers: inout [Machine.Answer],
        after: inout AfterLock
    ) {
        answers.removeAll(keepingCapacity: true)
        for index in 0..<burst.count {
            do {
                answers.append(try Self.answer(burst, index))
            } catch {
                logger.warning("Dropped a message from \(connection.instance): \(error)")
            }
        }
        guard !answers.isEmpty else { return }
        withBook(after: &after) { book, actions in
            // A connection replaced meanwhile speaks for an instance it no longer is.
            guard book.connections(connection.instance) === connection else { return }
            book.machine.received(from: connection.instance, answers, now: .now, into: &actions)
        }
    }

    /// What the client needs of message `index` of a burst. Reads the usual header in place, with
    /// no string made; anything else through the full parse, which names what is wrong.
    private static func answer(_ burst: MessageBuffer, _ index: Int) throws(MessagingError) -> Machine.Answer {
        let plain = burst.withFrames(of: index) { frames -> Machine.Answer? in
            guard frames.count == 2, let (kind, callID) = EnvelopeFastPath.answer(frames[0]) else { return nil }
            return Machine.Answer(kind: kind, callID: callID, payload: [UInt8](copying: frames[1]))
        }
        if let plain { return plain }
        let (header, payload) = try MessagingEnvelope.parse(burst[index])
        return Machine.Answer(kind: header.kind, callID: header.id.flatMap(UInt64.init), payload: payload)
    }

    /// Runs `body` on the state and performs the actions it returns (see ``withBook(_:)``).
    @discardableResult
    func apply<Value>(_ body: (inout Book) -> (Value, [Machine.Action])) -> Value {
        withBook { book, actions in
            let (value, more) = body(&book)
            actions += more
            return value
        }
    }

    /// Runs `body` on the state and performs the actions it appends: the sockets opened and
    /// closed under the lock (so that a send that follows finds them), messages encoded and sent
    /// and continuations resumed after it. The actions go into a buffer the book keeps: no
    /// allocation per call.
    @discardableResult
    func withBook<Value>(_ body: (inout Book, inout [Machine.Action]) -> Value) -> Value {
        var after = AfterLock()
        return withBook(after: &after, body)
    }

    /// ``withBook(_:)``, gathering what it does after the lock in `after`, whose storage a caller
    /// that changes the book again and again (a receiver) keeps from one change to the next.
    func withBook<Value>(after: inout AfterLock, _ body: (inout Book, inout [Machine.Action]) -> Value) -> Value {
        let value = book.withLock { book in
            var actions: [Machine.Action] = []
            swap(&actions, &book.actions)
            defer { swap(&actions, &book.actions) }
            let value = body(&book, &actions)
            // A burst of answers finishes a call each: room for them at once, not by doubling.
            if actions.count > 1 { after.made.finished.reserveCapacity(actions.count) }
            Self.takeEach(&actions) { action in
                switch consume action {
                case .connect(let instance, let endpoint):
                    do {
                        let connection = try RPCConnection(
                            instance: instance,
                            endpoint: endpoint,
                            maxMessageSize: configuration.maxMessageSize
                        )
                        if let old = book.connections.set(connection, for: instance) { after.made.closed.append(old) }
                        after.made.opened.append(connection)
                    } catch {
                        after.made.logs.append("cannot connect to \(instance) at \(endpoint): \(error)")
                    }
                case .disconnect(let instance):
                    if let old = book.connections.remove(instance) { after.made.closed.append(old) }
                case .call(let instance, let id, let method, let payload):
                    if let connection = book.connections(instance) {
                        // Encoded after the lock: calls placed on other threads wait for it.
                        after.made.sends.append(Send(connection: connection, outgoing: .call(id, method, payload)))
                    }
                case .send(let instance, let header, let payload):
                    if let connection = book.connections(instance) {
                        after.made.sends.append(Send(connection: connection, outgoing: .other(header, payload)))
                    }
                case .finish(let continuation, let result):
                    after.made.finished.append(Finished(continuation: continuation, result: result))
                case .log(let text):
                    after.made.logs.append(text)
                }
            }
            return value
        }
        if let lists = after.lists {
            for text in lists.logs { logger.warning("\(text)") }
            for connection in lists.closed { connection.close() }
            for connection in lists.opened {
                logger.debug("Connecting to \(connection.instance) at \(connection.endpoint).")
                spawn { await connection.runSender() }
                spawn { await self.receive(connection) }
            }
            for send in lists.sends { send.send() }
            for call in lists.finished { call.resume() }
        }
        after.removeAll()
        return value
    }
}

extension RPCClient {
    /// Calls `body` with each action moved out of `actions`, in order, and leaves `actions` empty
    /// with its storage. Not copied out: a copy of each action, and the array's destruction of
    /// them, were 360 instructions per call; nor reversed and popped, 160. Each slot is left
    /// holding an action that owns nothing, for the array to destroy.
    private static func takeEach(_ actions: inout [Machine.Action], _ body: (consuming Machine.Action) -> Void) {
        guard !actions.isEmpty else { return }
        actions.withUnsafeMutableBufferPointer { buffer in
            guard let base = buffer.baseAddress else { return }
            for slot in 0..<buffer.count {
                let action = (base + slot).move()
                (base + slot).initialize(to: .log(""))
                body(action)
            }
        }
        actions.removeAll(keepingCapacity: true)
    }
}

/// What ``RPCClient/withBook(after:_:)`` does after its lock, gathered under it.
///
/// A receiver keeps one from burst to burst. Made afresh for each burst, the finished calls of
/// 64 answers took an allocation of 2.5 KiB, and glibc merges all its freed small blocks
/// (`malloc_consolidate`) before any allocation of 1 KiB or more: 8,700 instructions per burst,
/// and every small allocation after it slower.
struct AfterLock {
    /// Made at the first thing to do after the lock: a change that leaves nothing to do (a call
    /// placed) makes no lists, whose five empty arrays cost five releases.
    fileprivate var lists: Lists?

    fileprivate struct Lists {
        var opened: [RPCConnection] = []
        var closed: [RPCConnection] = []
        var finished: [Finished] = []
        var sends: [Send] = []
        var logs: [String] = []
    }

    /// The lists, made if need be.
    fileprivate var made: Lists {
        get { lists ?? Lists() }
        _modify {
            if lists == nil { lists = Lists() }
            yield &lists!
        }
    }

    /// Empties the lists, keeping their storage. An empty one is left alone: emptying the shared
    /// storage of an empty array makes a new one.
    fileprivate mutating func removeAll() {
        guard lists != nil else { return }
        if !lists!.opened.isEmpty { lists!.opened.removeAll(keepingCapacity: true) }
        if !lists!.closed.isEmpty { lists!.closed.removeAll(keepingCapacity: true) }
        if !lists!.finished.isEmpty { lists!.finished.removeAll(keepingCapacity: true) }
        if !lists!.sends.isEmpty { lists!.sends.removeAll(keepingCapacity: true) }
        if !lists!.logs.isEmpty { lists!.logs.removeAll(keepingCapacity: true) }
    }
}

// What `withBook` does after its lock: structs, not tuples, whose arrays the runtime destroyed
// element by element through the tuple's type metadata (400 instructions per call).

/// A call ended, whose caller is resumed after the lock.
private struct Finished {
    let continuation: UnsafeContinuation<[UInt8], any Error>
    let result: Result<[UInt8], MessagingError>

    func resume() {
        switch result {
        case .success(let payload): continuation.resume(returning: payload)
        case .failure(let error): continuation.resume(throwing: error)
        }
    }
}

/// A message sent after the lock.
private struct Send {
    let connection: RPCConnection
    let outgoing: Outgoing

    func send() { outgoing.send(on: connection) }
}

/// A message ``RPCClient/withBook(_:)`` sends after its lock.
private enum Outgoing {
    /// Call `id` of `method`, its header written straight from the id's digits.
    case call(UInt64, String, [UInt8])
    case other(MessagingEnvelope, [UInt8])

    /// Sends a call through the connection's own path for calls (held for the end of the reactor's
    /// turn, or sent without making a message when the socket takes it); anything else as a
    /// message.
    func send(on connection: RPCConnection) {
        switch self {
        case .call(let id, let method, let payload):
            connection.sendCall(id: id, method: method, payload: payload)
        case .other(let header, let payload):
            connection.send(header.message(payload: payload))
        }
    }
}
