import NIOCore
import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// One TCP connection, as a ``StreamServer`` or ``StreamClient`` hands it to its handler.
///
/// Reads and writes are async and never block a thread. Read bytes with ``read()``, text with
/// ``readLine()`` or the ``lines`` sequence; write `String`s or bytes. A write is sent at once,
/// except that writes made with `flush: false`, or while input already received is still unread
/// (pipelined requests), are gathered and sent together by the next flushing write, the next read
/// that waits for the peer, ``flush()``, or the end of the handler — so one response, or the
/// answers to a batch of requests, go out in one packet. A handler that stops reading with input
/// unread and then waits for something else calls ``flush()`` first.
///
/// ```swift
/// let echo = StreamServer(host: "127.0.0.1", port: 7000) { connection in
///     for try await line in connection.lines {
///         try await connection.write(line + "\n")
///     }
/// }
/// ```
/// A connection belongs to its handler's task; to write from other tasks as well, hand them the
/// `Sendable` ``writer``. Its async methods run on the caller's executor
/// (`nonisolated(nonsending)`): a read that finds bytes already received, or a write, costs no
/// executor hop.
public final class Connection {
    /// The peer's address.
    public let remoteAddress: SocketAddress?
    /// The longest line, in bytes without its newline, that ``readLine()`` accepts.
    public let maxLineLength: Int
    /// Writes to this connection from any task.
    public let writer: Writer

    private let bridge: ConnectionBridge
    private let drain: DrainSignal?
    /// Chunks taken from the bridge in one go and not yet read: reading them needs no lock.
    private var taken = CircularBuffer<ByteBuffer>(initialCapacity: 4)
    /// Bytes read from the socket and not yet consumed.
    private var buffer = ByteBuffer()
    /// How many bytes at the front of `buffer` have been searched for a newline already.
    private var searched = 0
    /// Writes made with `flush: false`, copied into one buffer and sent by the next flush: small
    /// writes cost a copy, not an allocation and an iovec each.
    private var pending = ByteBuffer()

    init(bridge: ConnectionBridge, maxLineLength: Int, drain: DrainSignal?) {
        self.bridge = bridge
        self.remoteAddress = bridge.channel.remoteAddress
        self.writer = Writer(bridge: bridge, allocator: bridge.channel.allocator)
        self.maxLineLength = maxLineLength
        self.drain = drain
    }

    /// The peer as `host:port`, for logs.
    public var peer: String { remoteAddress.map(Self.describe) ?? "unknown peer" }

    /// Whether the server is stopping: a handler that loops forever should end soon (it is
    /// cancelled when the drain timeout passes).
    public var isDraining: Bool { drain?.isDraining ?? false }

    // MARK: Reading

    /// The next bytes the peer sent, or `nil` once it closed its side.
    ///
    /// Gathered writes are sent before it waits for the peer.
    nonisolated(nonsending) public func read() async throws -> ByteBuffer? {
        if buffer.readableBytes > 0 {
            defer {
                buffer = ByteBuffer()
                searched = 0
            }
            return buffer
        }
        return try await nextChunk()
    }

    /// The next line, without its `\n` or `\r\n`; the last line may lack its newline. `nil`
    /// once the peer closed its side and everything was read.
    ///
    /// - Throws: ``NetError/Code/lineTooLong`` past ``maxLineLength`` bytes, and
    ///   ``NetError/Code/invalidText`` for a line that is not UTF-8.
    nonisolated(nonsending) public func readLine() async throws -> String? {
        while true {
            if let length = newlineOffset() {
                try checkLength(length)
                let line = try decode(length: length)
                buffer.moveReaderIndex(forwardBy: length + 1)
                searched = 0
                return line
            }
            searched = buffer.readableBytes
            try checkLength(searched)
            guard var chunk = try await nextChunk() else {
                guard buffer.readableBytes > 0 else { return nil }
                defer {
                    buffer = ByteBuffer()
                    searched = 0
                }
                return try decode(length: buffer.readableBytes)
            }
            if buffer.readableBytes == 0 {
                buffer = chunk
            } else {
                buffer.writeBuffer(&chunk)
            }
        }
    }

    /// The lines the peer sends, as ``readLine()`` reads them.
    public var lines: Lines { Lines(connection: self) }

    /// The next chunk: one taken from the bridge earlier, else (after sending gathered writes)
    /// whatever the bridge has, waiting for the peer if it has nothing.
    nonisolated(nonsending) private func nextChunk() async throws -> ByteBuffer? {
        if let chunk = taken.popFirst() { return chunk }
        if pending.readableBytes > 0 { try await flush() }
        guard try await bridge.read(into: &taken) else { return nil }
        return taken.popFirst()
    }

    private func checkLength(_ length: Int) throws {
        guard length > maxLineLength else { return }
        throw NetError(
            .lineTooLong,
            endpoint: peer,
            reason: "more than \(maxLineLength) bytes without a newline; raise maxLineLength if that is expected"
        )
    }

    /// Where the first newline after the searched bytes is, from the reader index.
    private func newlineOffset() -> Int? {
        buffer.withUnsafeReadableBytes { bytes in
            guard bytes.count > searched, let base = bytes.baseAddress else { return nil }
            guard let found = memchr(base + searched, Int32(UInt8(ascii: "\n")), bytes.count - searched) else {
                return nil
            }
            return base.distance(to: UnsafeRawPointer(found))
        }
    }

    /// The first `length` readable bytes as text, without a final `\r`.
    private func decode(length: Int) throws -> String {
        let text = buffer.withUnsafeReadableBytes { bytes in
            var end = length
            if end > 0 && bytes[end - 1] == UInt8(ascii: "\r") { end -= 1 }
            return String(
                validating: UnsafeRawBufferPointer(rebasing: bytes[..<end]).bindMemory(to: UInt8.self),
                as: UTF8.self
            )
        }
        guard let text else {
            throw NetError(.invalidText, endpoint: peer, reason: "a line was not UTF-8 text")
        }
        return text
    }

    // MARK: Writing

    /// Writes `text` as UTF-8; with `flush: false` it waits to go out with the next flush.
    nonisolated(nonsending) public func write(_ text: String, flush: Bool = true) async throws {
        let flush = flush && !hasUnreadInput
        if flush && pending.readableBytes == 0 {
            try await writer.write(writer.allocator.buffer(string: text))
            return
        }
        pending.writeString(text)
        if flush { try await self.flush() }
    }

    /// Writes `bytes`; with `flush: false` they wait to go out with the next flush (buffers of
    /// 16 KiB or more go out at once, after what is pending, rather than being copied).
    nonisolated(nonsending) public func write(_ bytes: ByteBuffer, flush: Bool = true) async throws {
        let flush = flush && !hasUnreadInput
        if bytes.readableBytes >= Self.copyLimit || (flush && pending.readableBytes == 0) {
            guard pending.readableBytes > 0 else { return try await writer.write(bytes) }
            let gathered = pending
            pending = ByteBuffer()
            return try await writer.write(contentsOf: [gathered, bytes])
        }
        var bytes = bytes
        pending.writeBuffer(&bytes)
        if flush { try await self.flush() }
    }

    /// Writes `bytes`; with `flush: false` they wait to go out with the next flush.
    nonisolated(nonsending) public func write(_ bytes: some Sequence<UInt8>, flush: Bool = true) async throws {
        try await write(writer.allocator.buffer(bytes: bytes), flush: flush)
    }

    /// Sends every write made with `flush: false`, in one flush.
    nonisolated(nonsending) public func flush() async throws {
        guard pending.readableBytes > 0 else { return }
        let gathered = pending
        pending = ByteBuffer()
        try await writer.write(gathered)
    }

    /// Runs `handler` with this connection, then flushes what it left unflushed, in the task that
    /// owns the connection (`StreamClient`'s task for it); cancelling that task makes a waiting
    /// read, and every later one, throw `CancellationError`.
    nonisolated(nonsending) func run(_ handler: (Connection) async throws -> Void) async throws {
        let bridge = self.bridge
        try await withTaskCancellationHandler {
            try await handler(self)
            try await flush()
        } onCancel: {
            bridge.cancelReads()
        }
    }

    /// Whether input already received is still to be read: a write then waits for the read that
    /// needs more input, like NIO's flush on read-complete, so pipelined answers share a packet.
    private var hasUnreadInput: Bool { buffer.readableBytes > 0 || !taken.isEmpty }

    /// Bytes received and not yet taken from the bridge (for tests).
    var bufferedBytes: Int { bridge.bufferedBytes }

    /// Whether the channel stopped reading until buffered bytes are taken (for tests).
    var isHoldingReads: Bool { bridge.isHoldingReads }

    /// Buffers at least this large are sent without copying, even with `flush: false`.
    private static let copyLimit = 16 * 1024

    /// Sends pending writes and closes the connection.
    nonisolated(nonsending) public func close() async {
        try? await flush()
        await bridge.close()
    }

    static func describe(_ address: SocketAddress) -> String {
        guard let ip = address.ipAddress, let port = address.port else { return "\(address)" }
        return address.protocol == .inet6 ? "[\(ip)]:\(port)" : "\(ip):\(port)"
    }
}

extension Connection {
    /// Writes to a ``Connection`` from any task; each write is sent at once.
    ///
    /// A write waits only while the connection's send buffer is full (the peer reads slowly).
    /// Writes after the connection or its sending side closed throw ``NetError/Code/closed``.
    public struct Writer: Sendable {
        let bridge: ConnectionBridge
        let allocator: ByteBufferAllocator

        /// Writes `text` as UTF-8.
        nonisolated(nonsending) public func write(_ text: String) async throws {
            try await bridge.write(allocator.buffer(string: text))
        }

        /// Writes `bytes`.
        nonisolated(nonsending) public func write(_ bytes: ByteBuffer) async throws {
            try await bridge.write(bytes)
        }

        /// Writes several buffers with one flush.
        nonisolated(nonsending) public func write(contentsOf buffers: [ByteBuffer]) async throws {
            try await bridge.write(contentsOf: buffers)
        }

        /// Closes the sending side once what was written is sent; the peer reads end of stream.
        public func finish() {
            bridge.finishOutput()
        }
    }

    /// The lines of a connection, as an async sequence.
    public struct Lines: AsyncSequence {
        /// A line, without its newline.
        public typealias Element = String
        let connection: Connection

        /// Starts reading lines.
        public func makeAsyncIterator() -> Iterator { Iterator(connection: connection) }

        /// Reads the next line.
        public struct Iterator: AsyncIteratorProtocol {
            let connection: Connection

            /// The next line, or `nil` at the end of the stream.
            public mutating func next() async throws -> String? {
                try await connection.readLine()
            }

            /// The next line, read on the caller's executor (what `for try await` calls).
            public mutating func next(isolation actor: isolated (any Actor)?) async throws(any Error) -> String? {
                try await connection.readLine()
            }
        }
    }
}

/// Tells a server's connections that it is stopping.
final class DrainSignal: Sendable {
    private let flag = Atomic(false)

    var isDraining: Bool { flag.load(ordering: .relaxed) }

    func begin() { flag.store(true, ordering: .relaxed) }
}
