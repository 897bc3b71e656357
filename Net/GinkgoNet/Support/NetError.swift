/// An error of a network service or connection; it names the endpoint and says what to do.
///
/// ```swift
/// do {
///     let line = try await connection.readLine()
/// } catch let error as NetError where error.code == .lineTooLong {
///     try await connection.write("line too long\n")
/// }
/// ```
public struct NetError: Error, Sendable, CustomStringConvertible {
    /// What went wrong.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        enum Base: String, Hashable, Sendable {
            case lineTooLong = "line too long"
            case invalidText = "invalid UTF-8 text"
            case closed = "connection closed"
            case tls = "TLS configuration failed"
            case bind = "cannot listen"
        }
        let base: Base

        /// A line exceeded the connection's maximum line length.
        public static let lineTooLong = Code(base: .lineTooLong)
        /// A line was not valid UTF-8 (binary data where text was expected).
        public static let invalidText = Code(base: .invalidText)
        /// The connection was closed before the operation could finish.
        public static let closed = Code(base: .closed)
        /// A certificate or key file could not be loaded.
        public static let tls = Code(base: .tls)
        /// The server could not bind its address.
        public static let bind = Code(base: .bind)

        /// The code in words.
        public var description: String { base.rawValue }
    }

    /// What went wrong.
    public var code: Code
    /// The endpoint or peer concerned, such as `127.0.0.1:7000`.
    public var endpoint: String
    /// Details, and what to do about them.
    public var reason: String
    /// The error that caused this one, if any.
    public var underlying: (any Error)?

    /// Creates an error about `endpoint`.
    public init(_ code: Code, endpoint: String, reason: String = "", underlying: (any Error)? = nil) {
        self.code = code
        self.endpoint = endpoint
        self.reason = reason
        self.underlying = underlying
    }

    /// The endpoint, the code and the details, in one line.
    public var description: String {
        var text = "\(endpoint): \(code)"
        if !reason.isEmpty { text += ": \(reason)" }
        if let underlying { text += ": \(underlying)" }
        return text
    }
}
