import Ginkgo
import Logging
import Synchronization

/// A service that sends requests to a ``Replier`` (or any REP or ROUTER peer) and waits for the
/// replies, retrying like the zguide's Lazy Pirate.
///
/// ```swift
/// let client = Requester(.connect("tcp://127.0.0.1:5555"), timeout: .seconds(1), retries: 3)
/// try await client.start()
/// let reply = try await client.request(["ping"])
/// ```
/// If no reply comes within `timeout`, the REQ socket is closed and reopened (it would otherwise
/// wait for the lost reply forever) and the request is sent again, up to `retries` times; then
/// the request throws ``ZMQError`` with `EAGAIN`. Requests from several tasks are sent one at a
/// time, in the order they arrive.
public final class Requester: SocketService, @unchecked Sendable {
    /// How long to wait for each reply.
    public let timeout: Duration
    /// How many times a request is sent again after a timeout.
    public let retries: Int
    private let turn = AsyncGate()

    /// A requester attached as `attachment` (usually `.connect`).
    ///
    /// - Parameter configure: sets extra socket options on each socket the service opens.
    public init(
        _ attachment: Attachment,
        timeout: Duration = .milliseconds(2500),
        retries: Int = 3,
        context: Context = .shared,
        name: String? = nil,
        configure: @escaping @Sendable (Socket) throws -> Void = { _ in }
    ) {
        self.timeout = timeout
        self.retries = retries
        super.init(.req, attachment, context: context, name: name, configure: configure)
    }

    override func prepare(_ socket: Socket) throws {
        try socket.setOption(.receiveTimeout, timeout)
        try socket.setOption(.linger, .zero)
    }

    /// Sends `message` and returns the reply.
    ///
    /// - Throws: ``ZMQError`` `EAGAIN` when no reply came after the retries, or the error of a
    ///   socket that could not be reopened; `CancellationError`.
    public func request(_ message: Message) async throws -> Message {
        try await turn.withTurn {
            var pirate = LazyPirate(retries: retries)
            var socket = try self.socket()
            try await socket.send(message)
            while true {
                do {
                    return try await socket.receive()
                } catch let error as ZMQError where error.isTimeout {
                    switch pirate.timedOut() {
                    case .reopenAndResend(let attempt):
                        logger.warning("No reply within \(timeout); resending (attempt \(attempt)).")
                        socket = try await openSocket()
                        try await socket.send(message)
                    case .fail(let attempts):
                        try await openSocket()
                        throw ZMQError(
                            error.code,
                            operation: "request to \(attachment.endpoint)",
                            hint: "no reply after \(attempts) attempts of \(timeout) each; is the replier running?"
                        )
                    }
                } catch is CancellationError {
                    // The reply may still come and would be taken for the next request's.
                    _ = try? await openSocket()
                    throw CancellationError()
                }
            }
        }
    }
}
