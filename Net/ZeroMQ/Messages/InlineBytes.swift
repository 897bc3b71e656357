import CZeroMQ

/// The bytes of a small ``Frame``, kept in the frame itself: most frames (routing ids, empty
/// delimiters, short payloads) then cost no allocation to receive, make or send.
struct InlineBytes: Sendable {
    /// The most bytes a frame keeps inline.
    static let capacity = 24

    private var words: (UInt64, UInt64, UInt64) = (0, 0, 0)
    private let length: UInt8

    /// Copies `bytes`, which must hold at most ``capacity`` bytes.
    init(_ bytes: UnsafeRawBufferPointer) {
        precondition(bytes.count <= Self.capacity, "InlineBytes holds at most \(Self.capacity) bytes")
        length = UInt8(bytes.count)
        withUnsafeMutableBytes(of: &words) { target in
            if let source = bytes.baseAddress, !bytes.isEmpty {
                target.baseAddress!.copyMemory(from: source, byteCount: bytes.count)
            }
        }
    }

    /// The number of bytes.
    var count: Int { Int(length) }

    /// Calls `body` with the bytes, valid only during the call.
    func withUnsafeBytes<Result>(_ body: (UnsafeRawBufferPointer) throws -> Result) rethrows -> Result {
        try Swift.withUnsafeBytes(of: words) { try body(UnsafeRawBufferPointer(rebasing: $0[..<count])) }
    }

    /// Initialises `message` (uninitialised) with a copy of the bytes, which libzmq keeps inside
    /// the message.
    func makeOutgoing(_ message: UnsafeMutablePointer<zmq_msg_t>) {
        withUnsafeBytes { message.initializeMessage(copying: $0) }
    }
}
