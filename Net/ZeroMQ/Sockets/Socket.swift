import CZeroMQ
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// A ZeroMQ socket with async send and receive that never block Swift's cooperative threads.
///
/// ```swift
/// let replier = try Socket(.rep)
/// try replier.bind("tcp://127.0.0.1:*")
/// let requester = try Socket(.req)
/// try requester.connect(replier.lastEndpoint!)
///
/// try await requester.send(["hello"])
/// let request = try await replier.receive()
/// try await replier.send(request)
/// print(try await requester.receive().strings)  // ["hello"]
/// ```
///
/// ## How it waits
/// libzmq sockets are not thread-safe, and their `ZMQ_FD` is edge-triggered. Every call on the
/// libzmq socket happens inside this object's `Mutex` (which also gives libzmq the full memory
/// barrier it asks for when a socket moves between threads), always with `ZMQ_DONTWAIT`, so
/// nothing ever blocks. A receive takes what is queued on the calling task's own thread —
/// ``receive(upTo:)`` and ``messages`` drain up to a whole batch per lock — and only when libzmq
/// says `EAGAIN` does the task suspend: it arms `ZMQ_FD` (one-shot) on the ``Context``'s reactor
/// thread, which resumes it once `ZMQ_EVENTS` shows the socket ready. After every use of the
/// socket, the waiting tasks are checked against `ZMQ_EVENTS` as well, because that use may have
/// consumed the edge the reactor was waiting for: sends made on the reactor thread are checked
/// once at the end of its turn, and a receive that found nothing needs no check for receivers.
/// So a busy socket costs one lock and one libzmq call per message, with no thread hop; an idle
/// one costs nothing.
///
/// Cancelling a task that waits in ``receive()`` or ``send(_:)`` ends the wait at once with
/// `CancellationError`; the socket stays usable. Several tasks may use one socket: each message is
/// sent or received whole, under the lock.
public final class Socket: Sendable, TurnEndAction {
    /// The socket's type.
    public let type: SocketType
    /// The context the socket belongs to.
    public let context: Context
    let state: Mutex<SocketState>
    let identifier: UInt64

    /// Opens a socket of `type` in `context`, with the context's default linger.
    ///
    /// - Throws: ``ZMQError`` if the context is terminated or out of sockets (`EMFILE`).
    public init(_ type: SocketType, context: Context = .shared) throws(ZMQError) {
        self.type = type
        self.context = context
        let (handle, identifier) = try context.openSocket(type)
        self.identifier = identifier
        var fd: Int32 = -1
        var size = MemoryLayout<Int32>.size
        zmq_getsockopt(handle, ZMQ_FD, &fd, &size)
        var linger = Int32(clamping: context.defaultLinger.milliseconds)
        zmq_setsockopt(handle, ZMQ_LINGER, &linger, MemoryLayout<Int32>.size)
        self.state = Mutex(SocketState(type: type, handle: handle, fd: fd))
        let token = context.reactor.register(self, fd: fd)
        state.withLock { $0.token = token }
        context.adopt(self)
    }

    deinit {
        close()
    }

    /// Whether ``close()`` was called.
    public var isClosed: Bool { state.withLock { $0.handle == nil } }

    /// Closes the socket: tasks waiting on it fail with `ENOTSOCK`, and messages still queued
    /// are sent for at most the socket's linger. Idempotent.
    public func close() {
        let waiting = state.withLock { state -> Wakeups in
            guard state.handle != nil else { return Wakeups() }
            context.reactor.unregister(fd: state.fd, token: state.token)
            state.closeHandle()
            return state.wakeAll()
        }
        context.release(identifier)
        waiting.resume()
    }

    // MARK: Endpoints

    /// Accepts connections on `endpoint`, such as `tcp://127.0.0.1:5555`, `tcp://127.0.0.1:*`
    /// (an ephemeral port: read it back from ``lastEndpoint``), `ipc:///tmp/feed` or
    /// `inproc://name`.
    ///
    /// libzmq resolves host names in `bind` on the calling thread: bind to addresses or
    /// interface names.
    /// - Throws: ``ZMQError``: `EINVAL` for a malformed endpoint, `EADDRINUSE`, `EPROTONOSUPPORT`.
    public func bind(_ endpoint: String) throws(ZMQError) {
        try call("bind \(endpoint)") { zmq_bind($0, endpoint) }
    }

    /// Connects to `endpoint`; libzmq connects in the background and reconnects when the peer
    /// goes away, so this succeeds before any peer is there.
    ///
    /// - Throws: ``ZMQError``: `EINVAL` for a malformed endpoint, `EPROTONOSUPPORT`.
    public func connect(_ endpoint: String) throws(ZMQError) {
        try call("connect \(endpoint)") { zmq_connect($0, endpoint) }
    }

    /// Stops accepting on an endpoint given to ``bind(_:)`` (for a wildcard port, the
    /// ``lastEndpoint`` it resolved to).
    public func unbind(_ endpoint: String) throws(ZMQError) {
        try call("unbind \(endpoint)") { zmq_unbind($0, endpoint) }
    }

    /// Drops the connection made by ``connect(_:)`` to `endpoint`.
    public func disconnect(_ endpoint: String) throws(ZMQError) {
        try call("disconnect \(endpoint)") { zmq_disconnect($0, endpoint) }
    }

    /// The endpoint of the last bind or connect, with a wildcard port resolved:
    /// `tcp://127.0.0.1:41234`.
    public var lastEndpoint: String? {
        guard let endpoint = try? option(.lastEndpoint), !endpoint.isEmpty else { return nil }
        return endpoint
    }

    // MARK: Using the handle

    /// Runs a libzmq call that returns -1 on failure, then wakes waiters it may have made ready.
    func call(
        _ operation: @autoclosure () -> String,
        _ body: (UnsafeMutableRawPointer) -> Int32
    ) throws(ZMQError) {
        try withHandle(operation()) { handle throws(ZMQError) in
            if body(handle.pointer) != 0 { throw ZMQError.last(operation(), hint: Self.hint(zmq_errno())) }
        }
    }

    /// Runs `body` on the open libzmq socket under the lock, then resumes the waiting tasks the
    /// call made ready (any libzmq call may consume the `ZMQ_FD` edge they wait for).
    func withHandle<Value: Sendable>(
        _ operation: @autoclosure () -> String,
        _ body: (SocketState.RawSocket) throws(ZMQError) -> Value
    ) throws(ZMQError) -> Value {
        let reactor = context.reactor
        let (result, ready) = state.withLock {
            state -> (Result<Value, ZMQError>, Wakeups) in
            guard let handle = state.handle else { return (.failure(.closed(operation())), Wakeups()) }
            let result = Result { () throws(ZMQError) in try body(handle) }
            return (result, state.readyWaiters(reactor: reactor))
        }
        ready.resume()
        return try result.get()
    }

    /// Called on the reactor thread at the end of a turn in which it sent on this socket.
    package func turnEnded() {
        let reactor = context.reactor
        let ready = state.withLock { state in
            state.checkDue ? state.readyWaiters(reactor: reactor) : Wakeups()
        }
        ready.resume()
    }

    /// Called on the reactor thread when `ZMQ_FD` fired.
    func reactorFired() {
        let reactor = context.reactor
        let ready = state.withLock { state in
            state.armed = false
            return state.readyWaiters(reactor: reactor)
        }
        ready.resume()
    }

    private static func hint(_ code: Int32) -> String? {
        switch code {
        case EINVAL: "endpoints look like tcp://host:port, ipc:///path or inproc://name"
        case EPROTONOSUPPORT: "use tcp://, ipc://, inproc:// or another transport this libzmq has"
        case EADDRINUSE: "another socket is bound there; pick another port or tcp://127.0.0.1:*"
        case ENOENT: "that endpoint was not bound or connected by this socket"
        default: nil
        }
    }
}
