import Ginkgo

/// A service that takes work from pushers on a PULL socket and hands each message to a
/// handler, in order.
///
/// ```swift
/// let worker = Puller(.connect("tcp://127.0.0.1:5557")) { job in
///     print("working on", job.strings)
/// }
/// try await worker.start()
/// ```
public final class Puller: SocketService, @unchecked Sendable {
    private let handler: @Sendable (Message) async throws -> Void

    /// A puller attached as `attachment`.
    ///
    /// - Parameters:
    ///   - configure: sets extra socket options on each socket the service opens.
    ///   - handler: called for each message; an error it throws is logged and the next message
    ///     is handled.
    public init(
        _ attachment: Attachment,
        context: Context = .shared,
        name: String? = nil,
        configure: @escaping @Sendable (Socket) throws -> Void = { _ in },
        handler: @escaping @Sendable (Message) async throws -> Void
    ) {
        self.handler = handler
        super.init(.pull, attachment, context: context, name: name, configure: configure)
    }

    override public func doStart() async throws {
        spawnMessageLoop(try await openSocket(), handler)
    }
}
