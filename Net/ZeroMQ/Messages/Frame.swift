import CZeroMQ

/// One frame of a ZeroMQ ``Message``: an immutable run of bytes.
///
/// A received frame keeps libzmq's buffer (no copy); a large frame you send is handed to libzmq
/// by reference. Frames are values: cheap to copy, safe to share between tasks.
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
    let storage: FrameStorage

    init(storage: FrameStorage) {
        self.storage = storage
    }

    /// A frame holding a copy of `bytes`.
    public init(_ bytes: some Sequence<UInt8>) {
        if let storage = bytes.withContiguousStorageIfAvailable({
            FrameStorage.make(copying: UnsafeRawBufferPointer($0))
        }) {
            self.storage = storage
        } else {
            self.storage = Array(bytes).withUnsafeBytes { FrameStorage.make(copying: $0) }
        }
    }

    /// A frame holding the UTF-8 bytes of `string`.
    public init(_ string: String) {
        var string = string
        self.storage = string.withUTF8 { FrameStorage.make(copying: UnsafeRawBufferPointer($0)) }
    }

    /// An empty frame, such as the delimiter of a request envelope.
    public static var empty: Frame { Frame(EmptyCollection<UInt8>()) }

    /// Calls `body` with the frame's bytes, valid only during the call.
    public func withUnsafeBytes<Result>(_ body: (UnsafeRawBufferPointer) throws -> Result) rethrows -> Result {
        try withExtendedLifetime(storage) { try body(storage.bytes) }
    }

    /// The bytes, copied into an array.
    public var bytes: [UInt8] { withUnsafeBytes { Array($0) } }

    /// The bytes decoded as UTF-8, with invalid sequences replaced by U+FFFD.
    public var string: String { withUnsafeBytes { String(decoding: $0, as: UTF8.self) } }
}

extension Frame: RandomAccessCollection {
    /// The index of the first byte: always 0.
    public var startIndex: Int { 0 }

    /// The number of bytes.
    public var endIndex: Int { storage.bytes.count }

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
