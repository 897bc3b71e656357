import GinkgoZeroMQ
import Logging

#if canImport(Glibc)
    import Glibc
#endif

/// A message received from the bus: its topic, its id (unique per publisher) and its value.
public struct BusMessage<Value: Sendable>: Sendable {
    /// The topic it was published on.
    public var topic: String
    /// The publisher's id for it.
    public var id: String
    /// The decoded value.
    public var value: Value
}

/// The messages of one topic, decoded as `Value`, as ``MessageBus/subscribe(_:as:)`` returns
/// them.
///
/// ```swift
/// for try await message in try bus.subscribe("orders", as: Order.self) {
///     print(message.topic, message.value)
/// }
/// ```
/// Ends (returns `nil`) when the bus stops. A message that is not a bus message or does not
/// decode as `Value` is logged and skipped; it never ends the sequence.
public struct BusSubscription<Value: Decodable & Sendable>: AsyncSequence, Sendable {
    /// Each message.
    public typealias Element = BusMessage<Value>

    /// The topic subscribed to.
    public let topic: String
    let source: Source

    /// Owns the SUB socket: it is closed when the last copy of the subscription goes.
    final class Source: Sendable {
        let socket: Socket
        let id: Int
        let connections: BusConnections
        let limit: Int

        init(socket: Socket, id: Int, connections: BusConnections, limit: Int) {
            self.socket = socket
            self.id = id
            self.connections = connections
            self.limit = limit
        }

        deinit {
            connections.remove(id)
        }
    }

    /// An iterator over the messages.
    public func makeAsyncIterator() -> Iterator {
        Iterator(topic: topic, source: source)
    }

    /// Receives and decodes the next message of the topic.
    public struct Iterator: AsyncIteratorProtocol {
        let topic: String
        let source: Source

        /// The next message; `nil` once the bus stopped.
        ///
        /// - Throws: `CancellationError` when the waiting task is cancelled.
        public mutating func next() async throws -> BusMessage<Value>? {
            while true {
                let message: Message
                do {
                    message = try await source.socket.receive()
                } catch let error as ZMQError where error.code == ENOTSOCK {
                    return nil
                }
                if let read = read(message) { return read }
            }
        }

        /// `message` as a message of this topic and type; `nil` for another topic, and `nil` with
        /// a warning for one that is not a bus message or whose value does not decode. Not async:
        /// in `next()` its string interpolations made the frame of every call 1.4 KiB.
        @inline(never)
        func read(_ message: Message) -> BusMessage<Value>? {
            let incoming: IncomingMessage
            do {
                let (received, parsed) = try BusWire.parse(message, limit: source.limit)
                // SUB filters by prefix: "order" also gets "orders".
                guard received == topic else { return nil }
                incoming = parsed
            } catch {
                source.connections.logger.warning(
                    "Skipped a message that is not a bus message: \(error.error)",
                    metadata: ["topic": "\(topic)"]
                )
                return nil
            }
            do {
                let value = try MessagingPayload.decode(Value.self, from: incoming.payload)
                return BusMessage(topic: topic, id: incoming.header.id ?? "", value: value)
            } catch {
                source.connections.logger.warning(
                    "Skipped message \(incoming.header.id ?? "-") on \(topic): \(error)",
                    metadata: ["topic": "\(topic)"]
                )
                return nil
            }
        }
    }
}
