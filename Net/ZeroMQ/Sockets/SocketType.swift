import CZeroMQ

/// The kind of a ZeroMQ socket, which decides its messaging pattern.
///
/// ```swift
/// let publisher = try Socket(.pub)
/// let subscriber = try Socket(.sub)
/// ```
public enum SocketType: Int32, Sendable, CaseIterable, CustomStringConvertible {
    /// One peer, both directions.
    case pair = 0
    /// Publishes to every matching subscriber; never receives.
    case pub = 1
    /// Receives the messages of the topics it subscribed to; never sends.
    case sub = 2
    /// Sends a request, then receives its reply, in lockstep.
    case req = 3
    /// Receives a request, then sends its reply, in lockstep.
    case rep = 4
    /// Sends round-robin and receives fair-queued, with no envelope of its own.
    case dealer = 5
    /// Receives with the sender's routing id as first frame; sends to the peer that frame names.
    case router = 6
    /// Receives fair-queued from pushers.
    case pull = 7
    /// Sends round-robin to pullers.
    case push = 8
    /// A publisher that receives subscriptions as messages (`\u{1}topic`, `\u{0}topic`).
    case xpub = 9
    /// A subscriber that sends subscriptions as messages.
    case xsub = 10

    /// The upper-case name libzmq's documentation uses: `PUB`, `ROUTER`.
    public var description: String {
        switch self {
        case .pair: "PAIR"
        case .pub: "PUB"
        case .sub: "SUB"
        case .req: "REQ"
        case .rep: "REP"
        case .dealer: "DEALER"
        case .router: "ROUTER"
        case .pull: "PULL"
        case .push: "PUSH"
        case .xpub: "XPUB"
        case .xsub: "XSUB"
        }
    }

    /// Whether sockets of this type can send.
    public var canSend: Bool { self != .sub && self != .pull }

    /// Whether sockets of this type can receive.
    public var canReceive: Bool { self != .pub && self != .push }
}
