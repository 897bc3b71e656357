import CZeroMQ

#if canImport(Glibc)
    import Glibc
#endif

/// An error from libzmq or from a ZeroMQ service: what failed, the `errno` and libzmq's text.
///
/// ```swift
/// do {
///     try socket.bind("tcp://127.0.0.1:nope")
/// } catch let error as ZMQError {
///     print(error.code, error)  // EINVAL, bind tcp://127.0.0.1:nope: Invalid argument (errno 22) …
/// }
/// ```
public struct ZMQError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The `errno` value libzmq reported (such as `EINVAL`, `EAGAIN`, `EFSM`, `ETERM`).
    public let code: Int32
    /// What was attempted, with its context: `bind tcp://127.0.0.1:*`, `receive on PUB`.
    public let operation: String
    /// libzmq's text for ``code`` (`zmq_strerror`).
    public let reason: String
    /// What to do about it, when there is a known answer.
    public let hint: String?

    /// Creates an error for `operation` from an `errno` value.
    public init(_ code: Int32, operation: String, hint: String? = nil) {
        self.code = code
        self.operation = operation
        self.reason = String(cString: zmq_strerror(code))
        self.hint = hint
    }

    /// The error libzmq just reported through `zmq_errno()`.
    static func last(_ operation: String, hint: String? = nil) -> ZMQError {
        ZMQError(zmq_errno(), operation: operation, hint: hint)
    }

    /// A receive or send that did not finish within its timeout.
    static func timedOut(_ operation: String, after timeout: Duration) -> ZMQError {
        ZMQError(EAGAIN, operation: operation, hint: "nothing happened within \(timeout)")
    }

    /// The code of an operation on a closed socket.
    static let closedCode = ENOTSOCK

    /// A socket used after ``Socket/close()``.
    static func closed(_ operation: String) -> ZMQError {
        ZMQError(ENOTSOCK, operation: operation, hint: "the socket is closed; open a new one")
    }

    /// Whether the error means "try again later" (`EAGAIN`): a timeout or a full queue.
    public var isTimeout: Bool { code == EAGAIN }

    /// The operation, libzmq's text, the errno and the hint, on one line.
    public var description: String {
        var text = "\(operation): \(reason) (errno \(code))"
        if let hint { text += "; \(hint)" }
        return text
    }
}
