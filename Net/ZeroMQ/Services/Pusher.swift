import Ginkgo

/// A service that hands out work on a PUSH socket: each message goes to one of the connected
/// pullers, round-robin.
///
/// ```swift
/// let jobs = Pusher(.bind("tcp://127.0.0.1:5557"))
/// try await jobs.start()
/// try await jobs.push(["resize", "photo.jpg"])
/// ```
/// `push` waits while no puller is connected or all of them are a high-water mark behind.
public final class Pusher: SocketService, @unchecked Sendable {
    /// A pusher attached as `attachment`.
    ///
    /// - Parameter configure: sets extra socket options on each socket the service opens.
    public init(
        _ attachment: Attachment,
        context: Context = .shared,
        name: String? = nil,
        configure: @escaping @Sendable (Socket) throws -> Void = { _ in }
    ) {
        super.init(.push, attachment, context: context, name: name, configure: configure)
    }

    /// Sends `message` to the next puller.
    public func push(_ message: Message) async throws {
        try await socket().send(message)
    }

    /// Sends a burst of messages, as many per lock as the socket takes.
    public func push(contentsOf messages: [Message]) async throws {
        try await socket().send(contentsOf: messages)
    }
}
