import CZeroMQ
import Foundation
import Synchronization

/// A libzmq context: its I/O threads, the sockets opened in it, and the reactor thread that
/// wakes tasks waiting on those sockets.
///
/// Most programs use ``shared``. A context of your own ends with ``terminate()``, which closes
/// its sockets (each sends what it still has queued for at most its linger) and waits for
/// libzmq to finish, on a thread of its own.
///
/// ```swift
/// let context = try Context(ioThreads: 2, defaultLinger: .milliseconds(200))
/// let push = try Socket(.push, context: context)
/// try push.connect("tcp://127.0.0.1:5557")
/// try await push.send(["job"])
/// await context.terminate()
/// ```
public final class Context: Sendable {
    private struct State {
        var handle: UnsafeMutableRawPointer?
        var sockets: [UInt64: WeakSocket] = [:]
        var nextSocket: UInt64 = 0
    }

    private struct WeakSocket {
        weak var socket: Socket?
    }

    /// The process-wide context, created on first use.
    ///
    /// It lasts until the process exits; then (from an `atexit` handler) its sockets are closed
    /// and the exit waits until libzmq has sent what they still had queued, for at most their
    /// longest linger: a daemon's last replies and acknowledgements are not lost with it.
    public static let shared: Context = {
        let context: Context
        do {
            context = try Context()
        } catch {
            fatalError("cannot create the shared ZeroMQ context: \(error)")
        }
        atexit { Context.shared.finishAtExit() }
        return context
    }()

    /// The linger new sockets get: how long closing a socket keeps sending what it has queued.
    public let defaultLinger: Duration
    let reactor = Reactor()
    private let state: Mutex<State>

    /// Creates a context.
    ///
    /// - Parameters:
    ///   - ioThreads: libzmq's I/O threads; one moves about a gigabyte a second.
    ///   - defaultLinger: the linger of sockets opened in it (libzmq's own default is forever,
    ///     which can hang a shutdown).
    public init(ioThreads: Int = 1, defaultLinger: Duration = .seconds(1)) throws(ZMQError) {
        guard let handle = zmq_ctx_new() else { throw .last("create a context") }
        zmq_ctx_set(handle, ZMQ_IO_THREADS, Int32(clamping: ioThreads))
        self.defaultLinger = defaultLinger
        self.state = Mutex(State(handle: handle))
    }

    deinit {
        // No socket is left (each keeps its context alive), so only libzmq's context remains.
        guard let handle = state.withLock({ $0.handle }) else { return }
        let address = UInt(bitPattern: handle)
        Thread { _ = zmq_ctx_term(UnsafeMutableRawPointer(bitPattern: address)) }.start()
        reactor.stopSoon()
    }

    /// The context's reactor thread as a task executor.
    ///
    /// Every context has one thread that watches its sockets for tasks waiting to send or
    /// receive. A task that prefers this executor runs on that thread, so when its socket becomes
    /// ready it goes on at once, on the thread that saw it, rather than waking a thread of Swift's
    /// pool: the lowest latency for a request/reply loop. Everything such tasks do shares the one
    /// thread, so keep their work short and never block in them.
    ///
    /// ```swift
    /// let requester = try Socket(.req)
    /// try requester.connect("tcp://127.0.0.1:5555")
    /// let reply = try await withTaskExecutorPreference(requester.context.executor) {
    ///     try await requester.send(["ping"])
    ///     return try await requester.receive()
    /// }
    /// ```
    /// Once the context is terminated, such tasks run on the global executor.
    public var executor: any TaskExecutor { reactor }

    /// Whether the caller runs on ``executor``'s thread (a task that prefers it, while the
    /// context is open).
    package var isOnExecutor: Bool { reactor.isCurrentThread }

    /// Has `action` run at the end of the reactor's current turn, after the jobs queued for it and
    /// before the thread waits again. Call it on the reactor thread (``isOnExecutor``).
    package func atEndOfTurn(_ action: any TurnEndAction) { reactor.atEndOfTurn(action) }

    /// Whether ``terminate()`` was called.
    public var isTerminated: Bool { state.withLock { $0.handle == nil } }

    /// libzmq's version, such as `(4, 3, 4)`.
    public static var version: (major: Int, minor: Int, patch: Int) {
        var major: Int32 = 0
        var minor: Int32 = 0
        var patch: Int32 = 0
        zmq_version(&major, &minor, &patch)
        return (Int(major), Int(minor), Int(patch))
    }

    /// Whether libzmq was built with `capability`, such as `"curve"`, `"ipc"` or `"draft"`.
    public static func has(_ capability: String) -> Bool {
        zmq_has(capability) != 0
    }

    /// Closes every socket of the context, then terminates libzmq's context and the reactor;
    /// returns once libzmq is done (after at most the longest linger of those sockets).
    public func terminate() async {
        guard let (handle, sockets) = takeSockets() else { return }
        for socket in sockets { socket.close() }
        await withCheckedContinuation { continuation in
            Self.terminate(handle) { continuation.resume() }
        }
        await reactor.shutdown()
    }

    /// At exit: closes every socket, and waits until libzmq has sent what they queued, for at
    /// most their longest linger (an infinite one counts as ``defaultLinger``) and a second.
    func finishAtExit() {
        guard let (handle, sockets) = takeSockets() else { return }
        var longest = defaultLinger
        for socket in sockets {
            if let linger = try? socket.option(.linger) { longest = max(longest, linger) }
            socket.close()
        }
        let done = DispatchSemaphore(value: 0)
        Self.terminate(handle) { done.signal() }
        _ = done.wait(timeout: .now() + .milliseconds(Int((longest + .seconds(1)).milliseconds)))
    }

    /// Marks the context terminated; returns its libzmq handle and open sockets, or `nil` if it
    /// was terminated already.
    private func takeSockets() -> (UnsafeMutableRawPointer, [Socket])? {
        state.withLock { state in
            defer {
                state.handle = nil
                state.sockets = [:]
            }
            guard let handle = state.handle else { return nil }
            return (handle, state.sockets.values.compactMap(\.socket))
        }
    }

    /// Terminates libzmq's context on a thread of its own (`zmq_ctx_term` blocks until lingering
    /// messages are sent: never on a cooperative thread), then calls `done` there.
    private static func terminate(_ handle: UnsafeMutableRawPointer, then done: @escaping @Sendable () -> Void) {
        let address = UInt(bitPattern: handle)
        let thread = Thread {
            while zmq_ctx_term(UnsafeMutableRawPointer(bitPattern: address)) != 0 && zmq_errno() == EINTR {}
            done()
        }
        thread.name = "GinkgoZeroMQ context termination"
        thread.start()
    }

    func openSocket(_ type: SocketType) throws(ZMQError) -> (UnsafeMutableRawPointer, UInt64) {
        try state.withLock { state throws(ZMQError) in
            guard let handle = state.handle else {
                throw ZMQError(ETERM, operation: "open a \(type) socket", hint: "the context was terminated")
            }
            guard let socket = zmq_socket(handle, type.rawValue) else {
                throw .last("open a \(type) socket")
            }
            state.nextSocket += 1
            return (socket, state.nextSocket)
        }
    }

    /// The libzmq context, as a bit pattern a thread of the module can take along.
    func rawHandle() throws(ZMQError) -> UInt {
        guard let handle = state.withLock({ $0.handle }) else {
            throw ZMQError(ETERM, operation: "use the context", hint: "the context was terminated")
        }
        return UInt(bitPattern: handle)
    }

    func adopt(_ socket: Socket) {
        state.withLock { $0.sockets[socket.identifier] = WeakSocket(socket: socket) }
    }

    func release(_ identifier: UInt64) {
        _ = state.withLock { $0.sockets.removeValue(forKey: identifier) }
    }
}
