import Ginkgo

/// A service that publishes messages on a PUB socket.
///
/// ```swift
/// let ticks = Publisher(.bind("tcp://127.0.0.1:5556"))
/// try await ticks.start()
/// try await ticks.publish(topic: "tick", "1")
/// ```
/// Subscribers that are not connected yet, or that fall a high-water mark behind, miss messages:
/// that is publish/subscribe.
public final class Publisher: SocketService, @unchecked Sendable {
    /// A publisher attached to `endpoint`; it binds by default.
    ///
    /// - Parameter configure: sets extra socket options (such as ``SocketOption/sendHighWaterMark``)
    ///   on each socket the service opens.
    public init(
        _ attachment: Attachment,
        context: Context = .shared,
        name: String? = nil,
        configure: @escaping @Sendable (Socket) throws -> Void = { _ in }
    ) {
        super.init(.pub, attachment, context: context, name: name, configure: configure)
    }

    /// Publishes `message`; its first frame is the topic subscribers filter on.
    public func publish(_ message: Message) async throws {
        try await socket().send(message)
    }

    /// Publishes a message whose first frame is `topic`, followed by `frames`.
    public func publish(topic: String, _ frames: Frame...) async throws {
        try await publish(Message(frames: [Frame(topic)] + frames))
    }

    /// Publishes a burst of messages, as many per lock as the socket takes.
    public func publish(contentsOf messages: [Message]) async throws {
        try await socket().send(contentsOf: messages)
    }
}
