/// Messages received in bursts, kept as the bytes of their frames back to back in one buffer that
/// a receive loop keeps from burst to burst: no ``Frame``, ``Message`` or array is made per
/// message, for loops that read each message in place and keep little of it.
///
/// ```swift
/// var burst = MessageBuffer()
/// while true {
///     burst.removeAll()
///     try await socket.receive(into: &burst, upTo: 256)
///     for index in 0..<burst.count {
///         let size = burst.withFrames(of: index) { frames in frames.reduce(0) { $0 + $1.count } }
///         print("message \(index): \(size) bytes")
///     }
/// }
/// ```
public struct MessageBuffer: Sendable {
    /// The frames of one message in a ``MessageBuffer``: each frame's bytes, valid only during the
    /// ``MessageBuffer/withFrames(of:_:)`` or ``MessageBuffer/forEachMessage(_:)`` call that gives
    /// them.
    public struct Frames: RandomAccessCollection {
        let bytes: UnsafeRawBufferPointer
        /// Where each frame ends in `bytes`; the first frame starts at `start`.
        let ends: UnsafeBufferPointer<Int>
        let start: Int

        /// The index of the first frame.
        public var startIndex: Int { 0 }

        /// One past the index of the last frame.
        public var endIndex: Int { ends.count }

        /// The bytes of frame `position`.
        public subscript(position: Int) -> UnsafeRawBufferPointer {
            let from = position == 0 ? start : ends[position - 1]
            return UnsafeRawBufferPointer(start: bytes.baseAddress.map { $0 + from }, count: ends[position] - from)
        }
    }

    /// The frames' bytes in its first `used` bytes; the rest is room, zeroed once as it grows.
    /// Copied in by `memcpy` through the storage: `Array.append(contentsOf:)` took 70
    /// instructions a frame beside the copy itself, six frames per RPC call on the server.
    private var bytes: [UInt8] = []
    private var used = 0
    /// Where each frame ends in `bytes`.
    private var frameEnds: [Int] = []
    /// For each message, the count of frames up to and including its own.
    private var messageEnds: [Int] = []

    /// An empty buffer.
    public init() {}

    /// The number of messages.
    public var count: Int { messageEnds.count }

    /// Whether there is no message.
    public var isEmpty: Bool { messageEnds.isEmpty }

    /// Forgets every message, keeping the storage for the next burst.
    public mutating func removeAll() {
        used = 0
        frameEnds.removeAll(keepingCapacity: true)
        messageEnds.removeAll(keepingCapacity: true)
    }

    /// What `body` makes of the frames of message `index`, whose bytes are valid only during the
    /// call.
    public func withFrames<Result>(of index: Int, _ body: (Frames) throws -> Result) rethrows -> Result {
        precondition(index >= 0 && index < messageEnds.count, "message index out of range")
        return try withBuffers { bytes, ends in try body(frames(of: index, bytes, ends)) }
    }

    /// Calls `body` with each message's index and frames, in order, the bytes valid only during
    /// the call: ``withFrames(of:_:)`` for every message, with the buffers opened once.
    ///
    /// ```swift
    /// burst.forEachMessage { index, frames in
    ///     print(index, frames.count)
    /// }
    /// ```
    public func forEachMessage(_ body: (_ index: Int, _ frames: Frames) throws -> Void) rethrows {
        try withBuffers { bytes, ends in
            for index in messageEnds.indices { try body(index, frames(of: index, bytes, ends)) }
        }
    }

    private func withBuffers<Result>(
        _ body: (UnsafeRawBufferPointer, UnsafeBufferPointer<Int>) throws -> Result
    ) rethrows -> Result {
        try bytes.withUnsafeBytes { bytes in
            try frameEnds.withUnsafeBufferPointer { try body(UnsafeRawBufferPointer(rebasing: bytes[..<used]), $0) }
        }
    }

    private func frames(of index: Int, _ bytes: UnsafeRawBufferPointer, _ ends: UnsafeBufferPointer<Int>) -> Frames {
        let first = index == 0 ? 0 : messageEnds[index - 1]
        return Frames(
            bytes: bytes,
            ends: UnsafeBufferPointer(rebasing: ends[first..<messageEnds[index]]),
            start: first == 0 ? 0 : ends[first - 1]
        )
    }

    /// Message `index`, copied into a ``Message``.
    public subscript(index: Int) -> Message {
        withFrames(of: index) { frames in Message(frames: frames.map { Frame(copying: $0) }) }
    }

    // MARK: Building

    /// Appends a copy of `frame` as the next frame of the message being built, which counts as
    /// a message once ``endMessage()`` ends it: for holding messages whose bytes are on the stack
    /// without making frames.
    ///
    /// ```swift
    /// var held = MessageBuffer()
    /// header.withUnsafeBytes { held.appendFrame($0) }
    /// payload.withUnsafeBytes { held.appendFrame($0) }
    /// held.endMessage()
    /// ```
    public mutating func appendFrame(_ frame: UnsafeRawBufferPointer) {
        if let source = frame.baseAddress, !frame.isEmpty {
            if bytes.count - used < frame.count { grow(toFit: frame.count) }
            bytes.withUnsafeMutableBytes { ($0.baseAddress! + used).copyMemory(from: source, byteCount: frame.count) }
            used += frame.count
        }
        frameEnds.append(used)
    }

    /// Makes room for `count` more bytes, at least doubling the storage.
    private mutating func grow(toFit count: Int) {
        let size = Swift.max(used + count, 2 * bytes.count, 256)
        bytes.append(contentsOf: repeatElement(0, count: size - bytes.count))
    }

    /// Ends the message being built, after its last frame.
    public mutating func endMessage() {
        precondition(frameEnds.count > (messageEnds.last ?? 0), "a message needs at least one frame")
        messageEnds.append(frameEnds.count)
    }

    /// Drops the frames of a message not ended, after a receive failed partway.
    mutating func dropUnended() {
        let kept = messageEnds.last ?? 0
        frameEnds.removeLast(frameEnds.count - kept)
        used = frameEnds.last ?? 0
    }
}
