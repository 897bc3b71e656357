import CZeroMQ

/// One frame of a ZeroMQ ``Message``: an immutable run of bytes.
///
/// A frame of up to 24 bytes is kept inside the value, one of up to 256 in an array (shared with
/// the array it was made from, or that ``bytes`` returns), a larger received frame keeps
/// libzmq's buffer (no copy), and a large frame you send is handed to libzmq by reference.
/// Frames are values: cheap to copy, safe to share between tasks.
///
/// ```swift
/// let topic: Frame = "tick"
/// let payload = Frame([0x01, 0x02, 0x03])
/// print(topic.string, payload.count)  // tick 3
/// ```
///
/// `@unchecked Sendable`: its storage is immutable once made (see `FrameStorage`), so sharing it
/// between threads needs no lock.
public struct Frame: @unchecked Sendable {
    enum Storage {
        case inline(InlineBytes)
        case shared(FrameStorage)
        /// Up to 256 bytes, in an array: one the frame was made from (kept as it is, no copy until
        /// libzmq's message), or a copy of a small frame received.
        case array([UInt8])
    }

    let storage: Storage

    /// The frame libzmq just received into `message`: a small one is copied, inline or into an
    /// array (which ``bytes`` then returns as it is), and `message` left as it is (libzmq
    /// releases it when it next receives into it); a larger one takes over its content and leaves
    /// it empty.
    @inline(__always)
    init(receivedIn message: UnsafeMutablePointer<zmq_msg_t>) {
        let bytes = UnsafeRawBufferPointer(start: zmq_msg_data(message), count: zmq_msg_size(message))
        if bytes.count <= InlineBytes.capacity {
            storage = .inline(InlineBytes(bytes))
        } else if bytes.count <= FrameStorage.copyLimit {
            storage = .array(Array(bytes))
        } else {
            storage = .shared(FrameStorage.make(moving: message))
        }
    }

    /// A frame holding a copy of `bytes`: for bytes written into a buffer of your own.
    ///
    /// ```swift
    /// let frame = withUnsafeTemporaryAllocation(byteCount: 3, alignment: 1) { buffer in
    ///     buffer.copyBytes(from: [1, 2, 3])
    ///     return Frame(copying: UnsafeRawBufferPointer(buffer))
    /// }
    /// ```
    public init(copying bytes: UnsafeRawBufferPointer) {
        if bytes.count <= InlineBytes.capacity {
            storage = .inline(InlineBytes(bytes))
        } else {
            storage = .shared(FrameStorage.make(copying: bytes))
        }
    }

    /// A frame holding a copy of `bytes`.
    public init(_ bytes: some Sequence<UInt8>) {
        if let frame = bytes.withContiguousStorageIfAvailable({ Frame(copying: UnsafeRawBufferPointer($0)) }) {
            self = frame
        } else {
            self = Array(bytes).withUnsafeBytes { Frame(copying: $0) }
        }
    }

    /// A frame holding `bytes` (the common case, without generic code). An array too long to
    /// keep inline but short enough to be copied when sent is kept as it is, shared: its bytes
    /// are copied once, into the message libzmq sends.
    public init(_ bytes: [UInt8]) {
        if bytes.count > InlineBytes.capacity && bytes.count <= FrameStorage.copyLimit {
            storage = .array(bytes)
        } else {
            self = bytes.withUnsafeBytes { Frame(copying: $0) }
        }
    }

    /// A frame holding the UTF-8 bytes of `string`.
    public init(_ string: String) {
        var string = string
        self = string.withUTF8 { Frame(copying: UnsafeRawBufferPointer($0)) }
    }

    /// An empty frame, such as the delimiter of a request envelope.
    public static var empty: Frame { Frame(EmptyCollection<UInt8>()) }

    /// Calls `body` with the frame's bytes, valid only during the call.
    public func withUnsafeBytes<Result>(_ body: (UnsafeRawBufferPointer) throws -> Result) rethrows -> Result {
        switch storage {
        case .inline(let bytes): try bytes.withUnsafeBytes(body)
        case .shared(let shared): try withExtendedLifetime(shared) { try body(shared.bytes) }
        case .array(let array): try array.withUnsafeBytes(body)
        }
    }

    /// Initialises `message` (uninitialised) with the frame's bytes, for sending.
    func makeOutgoing(_ message: UnsafeMutablePointer<zmq_msg_t>) {
        switch storage {
        case .inline(let bytes): bytes.makeOutgoing(message)
        case .shared(let shared): shared.makeOutgoing(message)
        case .array(let array): array.withUnsafeBytes { message.initializeMessage(copying: $0) }
        }
    }

    /// The bytes, as an array.
    public var bytes: [UInt8] {
        if case .array(let array) = storage { return array }
        return withUnsafeBytes { [UInt8](copying: $0) }
    }

    /// The bytes decoded as UTF-8, with invalid sequences replaced by U+FFFD.
    public var string: String { withUnsafeBytes { String(decoding: $0, as: UTF8.self) } }
}

extension Frame: RandomAccessCollection {
    /// The index of the first byte: always 0.
    public var startIndex: Int { 0 }

    /// The number of bytes.
    public var endIndex: Int {
        switch storage {
        case .inline(let bytes): bytes.count
        case .shared(let shared): shared.bytes.count
        case .array(let array): array.count
        }
    }

    /// The byte at `position`.
    public subscript(position: Int) -> UInt8 {
        precondition(position >= 0 && position < endIndex, "Frame index out of range")
        return withUnsafeBytes { $0[position] }
    }

    /// Calls `body` with the bytes: makes `Array(frame)`, `elementsEqual` and friends fast.
    public func withContiguousStorageIfAvailable<Result>(
        _ body: (UnsafeBufferPointer<UInt8>) throws -> Result
    ) rethrows -> Result? {
        try withUnsafeBytes { try body($0.assumingMemoryBound(to: UInt8.self)) }
    }
}

extension Frame: Hashable {
    /// Frames are equal when their bytes are.
    public static func == (lhs: Frame, rhs: Frame) -> Bool {
        lhs.withUnsafeBytes { left in rhs.withUnsafeBytes { right in left.elementsEqual(right) } }
    }

    /// Hashes the bytes.
    public func hash(into hasher: inout Hasher) {
        withUnsafeBytes { hasher.combine(bytes: $0) }
    }
}

extension Frame: ExpressibleByStringLiteral {
    /// A frame holding the UTF-8 bytes of a string literal.
    public init(stringLiteral value: String) {
        self.init(value)
    }
}

extension Frame: CustomStringConvertible {
    /// The text if the frame is printable UTF-8, else its bytes in hex.
    public var description: String {
        let text = withUnsafeBytes { String(validating: $0, as: UTF8.self) }
        if let text, text.unicodeScalars.allSatisfy({ $0.value >= 0x20 || $0 == "\n" || $0 == "\t" }) {
            return text
        }
        return "0x"
            + bytes.map { String($0, radix: 16).count == 1 ? "0" + String($0, radix: 16) : String($0, radix: 16) }
            .joined()
    }
}
