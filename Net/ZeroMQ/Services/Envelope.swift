/// The routing part of a request that a ROUTER socket received: the frames up to and
/// including the empty delimiter, as REQ and REP sockets frame them.
///
/// ```swift
/// // ROUTER receives [peer id, "", "ping"]
/// let (envelope, request) = try Envelope.split(received)
/// let reply = envelope.wrap(["pong"])   // [peer id, "", "pong"]
/// ```
/// Requests that came through a queue carry one routing frame per hop before the delimiter;
/// they are all kept and sent back in order.
public struct Envelope: Sendable, Hashable {
    /// Why a message is not a request.
    public enum Malformation: Error, Sendable, Hashable, CustomStringConvertible {
        /// The message has no empty delimiter frame after the routing id.
        case noDelimiter(frames: Int)
        /// The message ends at its delimiter: there is no request after it.
        case noBody

        /// What is wrong with the message, for logs.
        public var description: String {
            switch self {
            case .noDelimiter(let frames):
                "malformed request: no empty delimiter frame after the routing id (\(frames) frames)"
            case .noBody: "malformed request: nothing after the empty delimiter"
            }
        }
    }

    /// The routing frames, the sender's routing id first.
    public let routing: [Frame]

    /// Splits what a ROUTER socket received into its envelope and the request frames.
    ///
    /// - Throws: ``Malformation`` for a message without a routing id, delimiter or body.
    public static func split(_ message: Message) throws(Malformation) -> (Envelope, Message) {
        guard message.count >= 2, let delimiter = message.frames.dropFirst().firstIndex(where: \.isEmpty) else {
            throw .noDelimiter(frames: message.count)
        }
        let body = message.frames[(delimiter + 1)...]
        guard !body.isEmpty else { throw .noBody }
        return (Envelope(routing: Array(message.frames[..<delimiter])), Message(frames: Array(body)))
    }

    /// The reply to send back through the ROUTER socket: the routing frames, the delimiter, then
    /// `reply` (an empty frame if `reply` has none, since a message has at least one).
    public func wrap(_ reply: Message) -> Message {
        Message(frames: routing + [.empty] + (reply.isEmpty ? [.empty] : reply.frames))
    }
}
