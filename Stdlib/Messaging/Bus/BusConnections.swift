import Ginkgo
import GinkgoZeroMQ
import Logging
import Synchronization

/// The proxy a ``MessageBus`` uses now, and its sockets: when discovery moves the bus to another
/// proxy, every socket disconnects from the old one and connects to the new.
final class BusConnections: Sendable {
    /// Where a proxy is reached.
    struct Endpoints: Sendable, Hashable {
        var publish: String
        var subscribe: String
    }

    private struct State {
        var open = false
        var endpoints: Endpoints?
        var sockets: [Int: AttachedSocket] = [:]
        var nextID = 0
        var waiters: [Int: CheckedContinuation<Void, any Error>] = [:]
    }

    private let state = Mutex(State())
    private let currentLogger = Mutex(Logger(label: "message-bus"))

    /// The owning service's logger (its path is known once it runs).
    var logger: Logger { currentLogger.withLock { $0 } }

    /// Accepts sockets from now on, logging to `logger`.
    func open(logger: Logger) {
        currentLogger.withLock { $0 = logger }
        state.withLock { $0 = State(open: true, nextID: $0.nextID) }
    }

    /// Closes every socket (ending the subscriptions) and fails the tasks waiting for a proxy.
    func close() {
        let (sockets, waiters) = state.withLock { state in
            defer { state = State(nextID: state.nextID) }
            return (Array(state.sockets.values), Array(state.waiters.values))
        }
        for socket in sockets { socket.socket.close() }
        for waiter in waiters { waiter.resume(throwing: MessagingError(.unavailable, "the message bus stopped")) }
    }

    /// Moves every socket to the proxy at `endpoints` (none: stay where they are, as libzmq keeps
    /// reconnecting there).
    func use(_ endpoints: Endpoints) {
        let (sockets, waiters) = state.withLock { state in
            state.endpoints = endpoints
            defer { state.waiters = [:] }
            return (Array(state.sockets.values), Array(state.waiters.values))
        }
        for socket in sockets { socket.follow(endpoints, logger: logger) }
        for waiter in waiters { waiter.resume() }
    }

    /// Adds `socket`, connected to the current proxy (if any) and to every later one; returns the
    /// id to remove it with.
    func add(_ socket: Socket, publishing: Bool) throws(MessagingError) -> Int {
        let attached = AttachedSocket(socket: socket, publishing: publishing)
        let added = state.withLock { state -> (Int, Endpoints?)? in
            guard state.open else { return nil }
            defer { state.nextID += 1 }
            state.sockets[state.nextID] = attached
            return (state.nextID, state.endpoints)
        }
        guard let (id, endpoints) = added else {
            throw MessagingError(.unavailable, "the message bus is not running; start it first")
        }
        if let endpoints { attached.follow(endpoints, logger: logger) }
        return id
    }

    /// Removes and closes the socket `id`.
    func remove(_ id: Int) {
        state.withLock { $0.sockets.removeValue(forKey: id) }?.socket.close()
    }

    /// Waits until a proxy is known, at most `timeout`.
    func waitForProxy(timeout: Duration) async throws {
        let id = state.withLock { state in
            defer { state.nextID += 1 }
            return state.nextID
        }
        let wait: @Sendable () async throws -> Void = {
            try await withTaskCancellationHandler {
                try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                    let ready = self.state.withLock { state -> Result<Void, any Error>? in
                        if !state.open {
                            return .failure(MessagingError(.unavailable, "the message bus is not running"))
                        }
                        if state.endpoints != nil { return .success(()) }
                        if Task.isCancelled { return .failure(CancellationError()) }
                        state.waiters[id] = continuation
                        return nil
                    }
                    if let ready { continuation.resume(with: ready) }
                }
            } onCancel: {
                self.state.withLock { $0.waiters.removeValue(forKey: id) }?.resume(throwing: CancellationError())
            }
        }
        do {
            try await withTimeout(timeout, wait)
        } catch is TimeoutError {
            throw MessagingError(.unavailable, "no bus proxy found in discovery within \(timeout)")
        }
    }
}

/// A socket and the proxy endpoint it is connected to. Connecting and disconnecting happen under
/// the socket's own lock (libzmq calls that never block), so a move racing a new subscription
/// never leaves the socket attached to two proxies.
final class AttachedSocket: Sendable {
    let socket: Socket
    let publishing: Bool
    private let attached = Mutex<String?>(nil)

    init(socket: Socket, publishing: Bool) {
        self.socket = socket
        self.publishing = publishing
    }

    func follow(_ endpoints: BusConnections.Endpoints, logger: Logger) {
        let address = publishing ? endpoints.publish : endpoints.subscribe
        attached.withLock { current in
            guard current != address else { return }
            if let current { try? socket.disconnect(current) }
            do {
                try socket.connect(address)
                current = address
            } catch {
                logger.warning("Could not connect to the bus proxy at \(address): \(error)")
                current = nil
            }
        }
    }
}
