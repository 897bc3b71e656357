import NIOCore

/// Cuts a streamed answer into its newline-delimited JSON messages, however the chunks fall.
struct JSONLineBuffer {
    private var pending = ByteBuffer()
    /// The longest message kept whole; past it the stream is not the gateway's.
    let limit: Int

    init(limit: Int = EtcdGateway.maximumAnswer) {
        self.limit = limit
    }

    /// Adds a chunk as it arrived.
    mutating func append(_ chunk: ByteBuffer) {
        var chunk = chunk
        pending.writeBuffer(&chunk)
    }

    /// The next complete line without its newline, skipping blank ones; `nil` until one is
    /// complete.
    ///
    /// - Throws: ``DiscoveryError`` when a line grows past ``limit``.
    mutating func next() throws -> ByteBuffer? {
        while let newline = pending.readableBytesView.firstIndex(of: UInt8(ascii: "\n")) {
            let length = newline - pending.readerIndex
            let line = pending.readSlice(length: length)!
            pending.moveReaderIndex(forwardBy: 1)
            if line.readableBytesView.contains(where: { !Self.isSpace($0) }) { return line }
        }
        if pending.readableBytes > limit {
            throw DiscoveryError(.tooLarge, "etcd: a streamed message is longer than \(limit) bytes")
        }
        pending.discardReadBytes()
        return nil
    }

    private static func isSpace(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\r") || byte == UInt8(ascii: "\t")
    }
}
