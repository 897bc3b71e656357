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
    /// ``MessageBuffer/withFrames(of:_:)`` call that gives them.
    public struct Frames: RandomAccessCollection {
        let bytes: UnsafeRawBufferPointer
        /// Where each frame ends in `bytes`; the first frame starts at `start`.
        let ends: ArraySlice<Int>
        let start: Int

        /// The index of the first frame.
        public var startIndex: Int { 0 }

        /// One past the index of the last frame.
        public var endIndex: Int { ends.count }

        /// The bytes of frame `position`.
        public subscript(position: Int) -> UnsafeRawBufferPointer {
            precondition(position >= 0 && position < ends.count, "frame index out of range")
            let index = ends.startIndex + position
            let from = index == ends.startIndex ? start : ends[index - 1]
            return UnsafeRawBufferPointer(rebasing: bytes[from..<ends[index]])
        }
    }

    private var bytes: [UInt8] = []
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
        bytes.removeAll(keepingCapacity: true)
        frameEnds.removeAll(keepingCapacity: true)
        messageEnds.removeAll(keepingCapacity: true)
    }

    /// What `body` makes of the frames of message `index`, whose bytes are valid only during the
    /// call.
    public func withFrames<Result>(of index: Int, _ body: (Frames) throws -> Result) rethrows -> Result {
        precondition(index >= 0 && index < messageEnds.count, "message index out of range")
        let first = index == 0 ? 0 : messageEnds[index - 1]
        let ends = frameEnds[first..<messageEnds[index]]
        let start = first == 0 ? 0 : frameEnds[first - 1]
        return try bytes.withUnsafeBytes { all in try body(Frames(bytes: all, ends: ends, start: start)) }
    }

    /// Message `index`, copied into a ``Message``.
    public subscript(index: Int) -> Message {
        withFrames(of: index) { frames in Message(frames: frames.map { Frame(copying: $0) }) }
    }

    // MARK: Receiving

    /// Appends a frame of the message being received.
    mutating func appendFrame(_ frame: UnsafeRawBufferPointer) {
        if !frame.isEmpty { bytes.append(contentsOf: frame.assumingMemoryBound(to: UInt8.self)) }
        frameEnds.append(bytes.count)
    }

    /// Ends the message being received, after its last frame.
    mutating func endMessage() {
        messageEnds.append(frameEnds.count)
    }

    /// Drops the frames of a message not ended, after a receive failed partway.
    mutating func dropUnended() {
        let kept = messageEnds.last ?? 0
        frameEnds.removeLast(frameEnds.count - kept)
        bytes.removeLast(bytes.count - (frameEnds.last ?? 0))
    }
}
