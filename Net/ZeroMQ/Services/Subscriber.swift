import Ginkgo

/// A service that receives the messages of some topics from publishers, on a SUB socket, and
/// hands each to a handler, in order.
///
/// ```swift
/// let ticks = Subscriber(.connect("tcp://127.0.0.1:5556"), topics: ["tick"]) { message in
///     print(message.strings)  // ["tick", "1"]
/// }
/// try await ticks.start()
/// ```
/// A topic matches every message whose first frame starts with it; `[""]` matches everything.
public final class Subscriber: SocketService, @unchecked Sendable {
    /// The topic prefixes subscribed to.
    public let topics: [String]
    private let handler: @Sendable (Message) async throws -> Void

    /// A subscriber attached as `attachment` (usually `.connect`).
    ///
    /// - Parameters:
    ///   - configure: sets extra socket options on each socket the service opens.
    ///   - handler: called for each message; an error it throws is logged and the next message
    ///     is handled.
    public init(
        _ attachment: Attachment,
        topics: [String] = [""],
        context: Context = .shared,
        name: String? = nil,
        configure: @escaping @Sendable (Socket) throws -> Void = { _ in },
        handler: @escaping @Sendable (Message) async throws -> Void
    ) {
        self.topics = topics
        self.handler = handler
        super.init(.sub, attachment, context: context, name: name, configure: configure)
    }

    override func prepare(_ socket: Socket) throws {
        for topic in topics { try socket.subscribe(topic) }
    }

    override public func doStart() async throws {
        spawnMessageLoop(try await openSocket(), handler)
    }
}
