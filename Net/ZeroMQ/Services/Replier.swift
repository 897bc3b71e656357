import Ginkgo
import Logging

/// A service that answers requests: a ROUTER socket that REQ, DEALER and ``Requester`` clients
/// (and queues between them) talk to, serving many requests at once.
///
/// ```swift
/// let echo = Replier(.bind("tcp://127.0.0.1:5555")) { request in request }
/// try await echo.start()
/// ```
/// Each request runs the handler in a task of its own, so a slow request does not hold up the
/// others; replies go back to whoever asked, in whatever order they finish. The task starts on
/// the receive loop and runs there until the handler first waits, so a request that needs no
/// waiting costs no thread hop; a handler that computes for more than 1 ms before it waits, twice
/// within a second, makes later requests start on other threads (tried on the loop again after
/// 10 s), and so does a loop kept busy by handlers for three quarters of the last millisecond. A
/// request that is not framed like a REQ socket's (no empty delimiter, no body) is logged and
/// dropped; a handler that throws is logged and sends no reply (the client times out). Either way
/// the replier goes on serving.
public final class Replier: SocketService, @unchecked Sendable {
    private let handler: @Sendable (Message) async throws -> Message

    /// A replier attached as `attachment`.
    ///
    /// - Parameters:
    ///   - configure: sets extra socket options on each socket the service opens (such as
    ///     ``SocketOption/maxMessageSize``).
    ///   - handler: turns a request's frames into the reply's frames.
    public init(
        _ attachment: Attachment,
        context: Context = .shared,
        name: String? = nil,
        configure: @escaping @Sendable (Socket) throws -> Void = { _ in },
        handler: @escaping @Sendable (Message) async throws -> Message
    ) {
        self.handler = handler
        super.init(.router, attachment, context: context, name: name, configure: configure)
    }

    override public func doStart() async throws {
        let socket = try await openSocket()
        spawn { try await self.serve(socket) }
    }

    private func serve(_ socket: Socket) async throws {
        var inline = InlineCallPolicy(now: .now)
        try await withThrowingDiscardingTaskGroup { group in
            for try await message in socket.messages {
                let envelope: Envelope
                let request: Message
                do {
                    (envelope, request) = try Envelope.split(message)
                } catch {
                    logger.warning("Dropped a request: \(error)")
                    continue
                }
                let held = inline.add("", to: &group) {
                    let reply: Message
                    do {
                        reply = try await self.handler(request)
                    } catch is CancellationError {
                        return
                    } catch {
                        self.logger.error("Handler failed; no reply sent: \(error)")
                        return
                    }
                    do {
                        try await socket.send(envelope.wrap(reply))
                    } catch let error as ZMQError where socket.isClosed {
                        self.logger.debug("Reply not sent, the replier stopped: \(error)")
                    }
                }
                if let held {
                    logger.debug(
                        "A request held the receive loop for \(held) before its handler first waited; requests run in tasks of their own for \(InlineCallPolicy.recheck)."
                    )
                }
            }
        }
    }
}
