import CZeroMQ
import Ginkgo

#if canImport(Glibc)
    import Glibc
#endif

/// Everything about a ``Socket`` that changes, kept in the socket's one `Mutex`: the libzmq
/// handle (only ever used while the lock is held, which gives libzmq the memory barrier it needs
/// when a socket moves between threads) and the tasks waiting for it to become ready.
struct SocketState {
    /// The libzmq socket. `@unchecked Sendable` so that it can be handed to code running under
    /// the socket's lock; it is only ever used there, which is what makes that safe.
    struct RawSocket: @unchecked Sendable {
        let pointer: UnsafeMutableRawPointer
    }

    enum Direction {
        case receive
        case send
    }

    enum Phase {
        /// Registered under the lock that saw `EAGAIN`; the continuation is not installed yet.
        case pending
        case waiting(UnsafeContinuation<Void, any Error>)
        /// Readiness (or close) came before the continuation: it resumes at once.
        case woken
        case cancelled
    }

    struct Waiter {
        let id: UInt64
        let direction: Direction
        var phase: Phase
    }

    let type: SocketType
    var handle: RawSocket?
    let fd: Int32
    var token: UInt64 = 0
    var armed = false
    /// A send on the reactor thread left the check of the waiters to the end of the reactor's turn.
    var checkDue = false
    /// The tasks waiting, oldest first: a handful at most on most sockets, so a list searched
    /// from the front costs less than hashing an id for each of a wait's three lookups.
    var waiters: [Waiter] = []
    var nextWaiter: UInt64 = 0
    var receiveTimeout: Duration?
    var sendTimeout: Duration?

    /// The message libzmq receives into, kept from one receive to the next: libzmq releases what
    /// it held when it receives into it again, so a burst costs no `zmq_msg_init` and
    /// `zmq_msg_close` per frame (three calls into libzmq fewer per message). Closed with the
    /// socket, in ``closeHandle()``.
    var incoming = zmq_msg_t()

    init(type: SocketType, handle: UnsafeMutableRawPointer, fd: Int32) {
        self.type = type
        self.handle = RawSocket(pointer: handle)
        self.fd = fd
        zmq_msg_init(&incoming)
    }

    /// Closes the libzmq socket and releases the message received into; the handle is gone.
    mutating func closeHandle() {
        guard let handle else { return }
        zmq_close(handle.pointer)
        zmq_msg_close(&incoming)
        self.handle = nil
    }

    /// The libzmq socket, for an operation (`verb`: "receive", "send") that needs it open.
    /// `mutating` though it changes nothing: called from the mutating sends and receives, a
    /// non-mutating method was handed a copy of the whole state (168 bytes, a `memcpy` and a
    /// retain and release of its arrays) on every call.
    @inline(__always)
    mutating func open(for verb: StaticString) throws(ZMQError) -> UnsafeMutableRawPointer {
        guard let handle else { throw .closed("\(verb) on \(type)") }
        return handle.pointer
    }

    // MARK: Receiving

    /// Receives one whole message without waiting; `nil` if none is queued.
    mutating func receiveNow() throws(ZMQError) -> Message? {
        let handle = try open(for: "receive")
        guard try receivePart(handle, first: true) else { return nil }
        // Read before the frame is made, which may move the message out of `incoming`.
        var more = zmq_msg_more(&incoming) != 0
        let first = Frame(receivedIn: &incoming)
        // No array unless there are more frames: even an empty one cost a release per message.
        if !more { return Message(single: first) }
        // Room for a few frames at once: growing from empty took a malloc per frame.
        var frames = [first]
        frames.reserveCapacity(4)
        while more {
            _ = try receivePart(handle, first: false)
            more = zmq_msg_more(&incoming) != 0
            frames.append(Frame(receivedIn: &incoming))
        }
        return Message(frames: frames)
    }

    /// Receives one whole message into `buffer` without waiting; `false` if none is queued.
    mutating func receiveNow(into buffer: inout MessageBuffer) throws(ZMQError) -> Bool {
        let handle = try open(for: "receive")
        var first = true
        while true {
            do {
                guard try receivePart(handle, first: first) else { return false }
            } catch {
                buffer.dropUnended()
                throw error
            }
            first = false
            buffer.appendFrame(UnsafeRawBufferPointer(start: zmq_msg_data(&incoming), count: zmq_msg_size(&incoming)))
            if zmq_msg_more(&incoming) == 0 {
                buffer.endMessage()
                return true
            }
        }
    }

    /// Receives a message's next part into `incoming`; `false` if none is queued, which only its
    /// first part can find (the parts of a message arrive together).
    @inline(__always)
    private mutating func receivePart(_ handle: UnsafeMutableRawPointer, first: Bool) throws(ZMQError) -> Bool {
        // On failure libzmq leaves the message empty.
        while zmq_msg_recv(&incoming, handle, ZMQ_DONTWAIT) < 0 {
            let code = zmq_errno()
            if code == EINTR { continue }
            if code == EAGAIN && first { return false }
            throw ZMQError(code, operation: "receive on \(type)", hint: receiveHint(code))
        }
        return true
    }

    private func receiveHint(_ code: Int32) -> String? {
        if code == ENOTSUP { return "\(type) sockets cannot receive" }
        if code == EFSM { return "a \(type) socket must send before it receives again" }
        return nil
    }

    // MARK: Sending

    /// Sends a whole message without waiting; `false` if the socket cannot take it now.
    mutating func sendNow(_ message: Message) throws(ZMQError) -> Bool {
        try sendNow(frames: message.count) { index, outgoing in message.makeOutgoing(frame: index, outgoing) }
    }

    /// Sends a message of copies of `parts` without waiting; `false` if the socket cannot take it
    /// now.
    mutating func sendNow(copying parts: UnsafeBufferPointer<UnsafeRawBufferPointer>) throws(ZMQError) -> Bool {
        try sendNow(frames: parts.count) { index, outgoing in outgoing.initializeMessage(copying: parts[index]) }
    }

    /// Sends a message of copies of `frames` without waiting; `false` if the socket cannot take
    /// it now.
    mutating func sendNow(copying frames: MessageBuffer.Frames) throws(ZMQError) -> Bool {
        try sendNow(frames: frames.count) { index, outgoing in outgoing.initializeMessage(copying: frames[index]) }
    }

    /// Sends the messages `batch` holds, in order, and empties it: as many as the socket takes
    /// now. A message that fails is closed and skipped, its index (counting messages) and error
    /// returned with the others'; the rest still go. Those left when the socket cannot take more
    /// are closed unsent.
    mutating func sendNow(_ batch: inout OutgoingBatch) throws(ZMQError) -> [(index: Int, error: ZMQError)] {
        let handle = try open(for: "send")
        return batch.takeAll { parts, ends, count in
            var failures: [(index: Int, error: ZMQError)] = []
            var part = 0
            var message = 0
            while part < count {
                let last = ends[part]
                if zmq_msg_send(parts + part, handle, ZMQ_DONTWAIT | (last ? 0 : ZMQ_SNDMORE)) >= 0 {
                    part += 1
                    if last { message += 1 }
                    continue
                }
                let code = zmq_errno()
                if code == EINTR { continue }
                if code == EAGAIN && (part == 0 || ends[part - 1]) {  // at a message's first part
                    // Full: what is left is dropped, as a reply to a peer that cannot take it.
                    for rest in part..<count { zmq_msg_close(parts + rest) }
                    break
                }
                failures.append((message, ZMQError(code, operation: "send on \(type)", hint: sendHint(code))))
                // The rest of this message cannot go after a part that failed.
                while part < count {
                    zmq_msg_close(parts + part)
                    part += 1
                    if ends[part - 1] { break }
                }
                message += 1
            }
            return failures
        }
    }

    /// Sends `count` frames, each made by `make` into the (uninitialised) message it is given.
    @inline(__always)
    private mutating func sendNow(
        frames count: Int,
        make: (Int, UnsafeMutablePointer<zmq_msg_t>) -> Void
    ) throws(ZMQError) -> Bool {
        let handle = try open(for: "send")
        guard count > 0 else {
            throw ZMQError(EINVAL, operation: "send on \(type)", hint: "a message needs at least one frame")
        }
        let last = count - 1
        var outgoing = zmq_msg_t()
        var index = 0
        while index <= last {
            make(index, &outgoing)
            let flags = ZMQ_DONTWAIT | (index < last ? ZMQ_SNDMORE : 0)
            if zmq_msg_send(&outgoing, handle, flags) < 0 {
                let code = zmq_errno()
                zmq_msg_close(&outgoing)
                if code == EINTR { continue }
                // Once the first part is queued, libzmq queues the rest of the message.
                if code == EAGAIN && index == 0 { return false }
                throw ZMQError(code, operation: "send on \(type)", hint: sendHint(code))
            }
            index += 1
        }
        return true
    }

    private func sendHint(_ code: Int32) -> String? {
        if code == ENOTSUP { return "\(type) sockets cannot send" }
        if code == EFSM { return "a \(type) socket must receive the reply before it sends again" }
        if code == EHOSTUNREACH { return "no peer has the routing id in the first frame" }
        return nil
    }

    // MARK: Waiting

    /// Registers a task that found the socket not ready; it waits with ``install(_:_:reactor:)``.
    mutating func addWaiter(_ direction: Direction) -> UInt64 {
        nextWaiter += 1
        waiters.append(Waiter(id: nextWaiter, direction: direction, phase: .pending))
        return nextWaiter
    }

    /// Installs the continuation of waiter `id`; `false` if it must resume at once instead.
    mutating func install(_ id: UInt64, _ continuation: UnsafeContinuation<Void, any Error>, reactor: Reactor) -> Bool {
        guard let index = waiters.firstIndex(where: { $0.id == id }) else { return false }
        guard case .pending = waiters[index].phase else {
            waiters.remove(at: index)
            return false
        }
        waiters[index].phase = .waiting(continuation)
        if !armed, handle != nil {
            armed = true
            reactor.arm(fd: fd, token: token)
        }
        return true
    }

    /// Forgets waiter `id` after a cancellation; returns its continuation to resume, if installed.
    mutating func cancel(_ id: UInt64) -> UnsafeContinuation<Void, any Error>? {
        guard let index = waiters.firstIndex(where: { $0.id == id }) else { return nil }
        if case .waiting(let continuation) = waiters[index].phase {
            waiters.remove(at: index)
            return continuation
        }
        waiters[index].phase = .cancelled
        return nil
    }

    /// After any use of the socket (which may have consumed the edge of `ZMQ_FD`), or when the
    /// reactor fires: the waiters whose direction is now ready, to resume outside the lock.
    ///
    /// `receiveDrained` says the caller has just had `EAGAIN` from a receive. libzmq (4.x)
    /// processes every pending command before it answers that, so no receiver can be ready, and
    /// unless a task waits to send, asking `ZMQ_EVENTS` would tell nothing new: it is skipped
    /// (libzmq pays a `poll` and a `getpid` for it).
    mutating func readyWaiters(reactor: Reactor, receiveDrained: Bool = false) -> Wakeups {
        checkDue = false
        guard !waiters.isEmpty, let handle else { return Wakeups() }
        if receiveDrained, !waiters.contains(where: { $0.direction == .send }) {
            armIfWaiting(reactor)
            return Wakeups()
        }
        var events: Int32 = 0
        var size = MemoryLayout<Int32>.size
        guard zmq_getsockopt(handle.pointer, ZMQ_EVENTS, &events, &size) == 0 else { return wakeAll() }
        let readable = events & Int32(ZMQ_POLLIN) != 0
        let writable = events & Int32(ZMQ_POLLOUT) != 0
        let ready = takeWaiting { $0 == .receive ? readable : writable }
        armIfWaiting(reactor)
        return ready
    }

    /// Arms `ZMQ_FD` if a task waits and it is not armed yet.
    private mutating func armIfWaiting(_ reactor: Reactor) {
        if !armed, waiters.contains(where: { if case .waiting = $0.phase { true } else { false } }) {
            armed = true
            reactor.arm(fd: fd, token: token)
        }
    }

    /// Every waiter, for when the socket closes: each retries and sees the socket closed.
    mutating func wakeAll() -> Wakeups {
        takeWaiting { _ in true }
    }

    /// Of the waiters in a direction that `isReady` admits, takes out those waiting (to resume)
    /// and marks the others woken (they resume as soon as they install), in one pass that keeps
    /// the rest in order: waking many waiters costs no more than looking at them.
    private mutating func takeWaiting(_ isReady: (Direction) -> Bool) -> Wakeups {
        var ready = Wakeups()
        var kept = 0
        for index in waiters.indices {
            var waiter = waiters[index]
            if isReady(waiter.direction) {
                switch waiter.phase {
                case .pending:
                    waiter.phase = .woken
                case .waiting(let continuation):
                    ready.append(continuation)
                    continue
                case .woken, .cancelled:
                    break
                }
            }
            waiters[kept] = waiter
            kept += 1
        }
        waiters.removeLast(waiters.count - kept)
        return ready
    }
}
