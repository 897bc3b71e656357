extension Socket {
    /// The messages this socket receives, as an async sequence that ends when the socket closes.
    ///
    /// ```swift
    /// for try await message in socket.messages {
    ///     print(message.strings)
    /// }
    /// ```
    /// Each wake-up takes every queued message (up to `batch`) under one lock, so a busy socket
    /// is consumed at libzmq's pace.
    public var messages: Messages { Messages(socket: self, batch: 256) }

    /// The async sequence of ``Socket/messages``.
    public struct Messages: AsyncSequence, Sendable {
        /// A received message.
        public typealias Element = Message
        let socket: Socket
        let batch: Int

        /// Makes an iterator that receives from the socket.
        public func makeAsyncIterator() -> Iterator {
            Iterator(socket: socket, batch: batch)
        }

        /// Receives batches of messages and hands them out one by one.
        public struct Iterator: AsyncIteratorProtocol {
            @usableFromInline let socket: Socket
            @usableFromInline let batch: Int
            @usableFromInline var buffer: [Message] = []
            @usableFromInline var index = 0

            init(socket: Socket, batch: Int) {
                self.socket = socket
                self.batch = batch
            }

            /// The next message; `nil` once the socket is closed.
            ///
            /// Inlinable so that a message already received costs the caller no async call.
            @inlinable
            public mutating func next() async throws -> Message? {
                if index == buffer.count {
                    guard try await refill() else { return nil }
                }
                defer { index += 1 }
                return buffer[index]
            }

            /// Receives the next batch into the buffer's storage; `false` once the socket is
            /// closed.
            @usableFromInline
            mutating func refill() async throws -> Bool {
                buffer.removeAll(keepingCapacity: true)
                index = 0
                do {
                    try await socket.receive(into: &buffer, upTo: batch)
                } catch let error as ZMQError where socket.isClosed && error.code == ZMQError.closedCode {
                    return false
                }
                return true
            }
        }
    }
}
