import NIOCore
import Synchronization

/// One TCP connection, as a ``StreamServer`` or ``StreamClient`` hands it to its handler.
///
/// Reads and writes are async and never block a thread. Read bytes with ``read()``, text with
/// ``readLine()`` or the ``lines`` sequence; write `String`s or bytes. Writes are sent at once
/// unless you pass `flush: false`, which gathers them until the next flushing write, a read, or
/// ``flush()``, so one response goes out in one packet.
///
/// ```swift
/// let echo = StreamServer(host: "127.0.0.1", port: 7000) { connection in
///     for try await line in connection.lines {
///         try await connection.write(line + "\n")
///     }
/// }
/// ```
/// A connection belongs to its handler's task; to write from other tasks as well, hand them the
/// `Sendable` ``writer``.
public final class Connection {
    /// The peer's address.
    public let remoteAddress: SocketAddress?
    /// The longest line, in bytes without its newline, that ``readLine()`` accepts.
    public let maxLineLength: Int
    /// Writes to this connection from any task.
    public let writer: Writer

    private let channel: any Channel
    private var inbound: NIOAsyncChannelInboundStream<ByteBuffer>.AsyncIterator
    private let drain: DrainSignal?
    /// Bytes read from the socket and not yet consumed.
    private var buffer = ByteBuffer()
    /// How many bytes at the front of `buffer` have been searched for a newline already.
    private var searched = 0
    /// Writes made with `flush: false`, sent together by the next flush.
    private var pending: [ByteBuffer] = []

    init(
        channel: any Channel,
        inbound: NIOAsyncChannelInboundStream<ByteBuffer>,
        outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>,
        maxLineLength: Int,
        drain: DrainSignal?
    ) {
        self.channel = channel
        self.remoteAddress = channel.remoteAddress
        self.inbound = inbound.makeAsyncIterator()
        self.writer = Writer(outbound: outbound, allocator: channel.allocator)
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
    /// Sends gathered unflushed writes first.
    public func read() async throws -> ByteBuffer? {
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
    public func readLine() async throws -> String? {
        while true {
            let view = buffer.readableBytesView
            if let newline = view[(view.startIndex + searched)...].firstIndex(of: UInt8(ascii: "\n")) {
                let length = newline - view.startIndex
                try checkLength(length)
                let line = buffer.readSlice(length: length)!
                buffer.moveReaderIndex(forwardBy: 1)
                searched = 0
                return try decode(line)
            }
            searched = buffer.readableBytes
            try checkLength(searched)
            guard var chunk = try await nextChunk() else {
                guard buffer.readableBytes > 0 else { return nil }
                let rest = buffer
                buffer = ByteBuffer()
                searched = 0
                return try decode(rest)
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

    private func nextChunk() async throws -> ByteBuffer? {
        if !pending.isEmpty { try await flush() }
        return try await inbound.next()
    }

    private func checkLength(_ length: Int) throws {
        guard length > maxLineLength else { return }
        throw NetError(
            .lineTooLong,
            endpoint: peer,
            reason: "more than \(maxLineLength) bytes without a newline; raise maxLineLength if that is expected"
        )
    }

    private func decode(_ line: ByteBuffer) throws -> String {
        var bytes = line.readableBytesView
        if bytes.last == UInt8(ascii: "\r") { bytes = bytes.dropLast() }
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw NetError(.invalidText, endpoint: peer, reason: "a line was not UTF-8 text")
        }
        return text
    }

    // MARK: Writing

    /// Writes `text` as UTF-8; with `flush: false` it waits to go out with the next flush.
    public func write(_ text: String, flush: Bool = true) async throws {
        try await write(channel.allocator.buffer(string: text), flush: flush)
    }

    /// Writes `bytes`; with `flush: false` they wait to go out with the next flush.
    public func write(_ bytes: ByteBuffer, flush: Bool = true) async throws {
        if pending.isEmpty && flush {
            try await writer.write(bytes)
            return
        }
        pending.append(bytes)
        if flush { try await self.flush() }
    }

    /// Writes `bytes`; with `flush: false` they wait to go out with the next flush.
    public func write(_ bytes: some Sequence<UInt8>, flush: Bool = true) async throws {
        try await write(channel.allocator.buffer(bytes: bytes), flush: flush)
    }

    /// Sends every write made with `flush: false`, in one flush.
    public func flush() async throws {
        guard !pending.isEmpty else { return }
        let batch = pending
        pending.removeAll(keepingCapacity: true)
        try await writer.write(contentsOf: batch)
    }

    /// Sends pending writes and closes the connection.
    public func close() async {
        try? await flush()
        writer.finish()
        try? await channel.close()
    }

    static func describe(_ address: SocketAddress) -> String {
        guard let ip = address.ipAddress, let port = address.port else { return "\(address)" }
        return address.protocol == .inet6 ? "[\(ip)]:\(port)" : "\(ip):\(port)"
    }
}

extension Connection {
    /// Writes to a ``Connection`` from any task; each write is sent at once.
    public struct Writer: Sendable {
        let outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>
        let allocator: ByteBufferAllocator

        /// Writes `text` as UTF-8.
        public func write(_ text: String) async throws {
            try await outbound.write(allocator.buffer(string: text))
        }

        /// Writes `bytes`.
        public func write(_ bytes: ByteBuffer) async throws {
            try await outbound.write(bytes)
        }

        /// Writes several buffers with one flush.
        public func write(contentsOf buffers: [ByteBuffer]) async throws {
            try await outbound.write(contentsOf: buffers)
        }

        /// Closes the sending side; the peer reads end of stream.
        public func finish() {
            outbound.finish()
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
        }
    }
}

/// Tells a server's connections that it is stopping.
final class DrainSignal: Sendable {
    private let flag = Atomic(false)

    var isDraining: Bool { flag.load(ordering: .relaxed) }

    func begin() { flag.store(true, ordering: .relaxed) }
}
