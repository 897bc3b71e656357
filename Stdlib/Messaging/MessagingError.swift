/// A failure that crosses the wire: what a server sends as the payload of an `error` message,
/// and what a caller catches — a typed error, never a hang.
///
/// ```swift
/// do {
///     let result: Sum = try await client.call("add", Numbers(a: 1, b: 2))
/// } catch let error as MessagingError where error.code == .unknownMethod {
///     print(error.message)  // no method "add" on calculator/box-4242
/// }
/// ```
public struct MessagingError: Error, Sendable, Hashable, Codable, CustomStringConvertible {
    /// The kind of failure; the wire carries the raw value.
    public struct Code: RawRepresentable, Sendable, Hashable, Codable, CustomStringConvertible {
        public var rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        public var description: String { rawValue }

        /// Not two frames, or a header that is not an envelope.
        public static let badEnvelope = Code(rawValue: "bad_envelope")
        /// An envelope of a version this peer does not speak.
        public static let unsupportedVersion = Code(rawValue: "unsupported_version")
        /// A payload that does not decode as the method's parameters (or result).
        public static let badPayload = Code(rawValue: "bad_payload")
        /// A payload encoding this peer does not speak.
        public static let unsupportedEncoding = Code(rawValue: "unsupported_encoding")
        /// The server has no such method.
        public static let unknownMethod = Code(rawValue: "unknown_method")
        /// The method's handler threw; the message says what.
        public static let handlerFailed = Code(rawValue: "handler_failed")
        /// A message larger than the peer accepts.
        public static let tooLarge = Code(rawValue: "too_large")
        /// No answer within the call's timeout.
        public static let timeout = Code(rawValue: "timeout")
        /// No healthy instance to send to, or the one used stopped answering its heartbeats.
        public static let unavailable = Code(rawValue: "unavailable")
    }

    /// The kind of failure.
    public var code: Code
    /// What went wrong, naming the method, instance or field involved.
    public var message: String

    /// An error.
    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    /// `code: message`.
    public var description: String { "\(code): \(message)" }
}
