import CZeroMQ

/// A libzmq socket option with its Swift type: `.linger` is a `Duration?`, `.routingID` bytes.
///
/// ```swift
/// try socket.setOption(.linger, .milliseconds(100))
/// try socket.setOption(.receiveHighWaterMark, 10_000)
/// let endpoint = try socket.option(.lastEndpoint)
/// ```
/// The standard options are static members (see `SocketOption+Standard.swift`); any other
/// libzmq option can be declared with ``init(_:code:int32:)`` and its siblings.
public struct SocketOption<Value: Sendable>: Sendable {
    enum Raw: Sendable {
        case int32(Int32)
        case int64(Int64)
        case bytes([UInt8])
    }

    enum Kind: Sendable {
        case int32
        case int64
        case bytes(capacity: Int)
    }

    /// The option's name in messages, such as `linger`.
    public let name: String
    /// libzmq's option number, such as `ZMQ_LINGER`.
    public let code: Int32
    let kind: Kind
    let encode: @Sendable (Value) -> Raw
    let decode: @Sendable (Raw) -> Value

    init(
        _ name: String,
        code: Int32,
        kind: Kind,
        encode: @escaping @Sendable (Value) -> Raw,
        decode: @escaping @Sendable (Raw) -> Value
    ) {
        self.name = name
        self.code = code
        self.kind = kind
        self.encode = encode
        self.decode = decode
    }
}

extension SocketOption where Value == Int32 {
    /// An option libzmq keeps as an `int`.
    public init(_ name: String, code: Int32, int32: Void = ()) {
        self.init(name, code: code, kind: .int32, encode: { .int32($0) }, decode: { $0.int32 })
    }
}

extension SocketOption where Value == Int64 {
    /// An option libzmq keeps as an `int64_t`.
    public init(_ name: String, code: Int32, int64: Void = ()) {
        self.init(name, code: code, kind: .int64, encode: { .int64($0) }, decode: { $0.int64 })
    }
}

extension SocketOption where Value == [UInt8] {
    /// An option libzmq keeps as bytes, at most `capacity` of them.
    public init(_ name: String, code: Int32, capacity: Int) {
        self.init(name, code: code, kind: .bytes(capacity: capacity), encode: { .bytes($0) }, decode: { $0.bytes })
    }
}

extension SocketOption.Raw {
    var int32: Int32 {
        if case .int32(let value) = self { return value }
        if case .int64(let value) = self { return Int32(clamping: value) }
        return 0
    }

    var int64: Int64 {
        if case .int64(let value) = self { return value }
        if case .int32(let value) = self { return Int64(value) }
        return 0
    }

    var bytes: [UInt8] {
        if case .bytes(let value) = self { return value }
        return []
    }

    /// Bytes up to a terminating NUL, as text.
    var string: String {
        let bytes = self.bytes
        return String(decoding: bytes.prefix { $0 != 0 }, as: UTF8.self)
    }
}
