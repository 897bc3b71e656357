/// Why a discovery operation failed, with a message that names the backend and what it said.
///
/// ```swift
/// do {
///     try await backend.renew(instance, ttl: .seconds(10))
/// } catch let error as DiscoveryError where error.code == .notRegistered {
///     try await backend.register(instance, ttl: .seconds(10))
/// }
/// ```
public struct DiscoveryError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The kind of failure.
    public enum Code: String, Sendable, Hashable, Codable {
        /// The backend did not answer in time, or could not be reached at all.
        case unreachable
        /// The instance has no live registration (it expired, or the registry restarted).
        case notRegistered = "not_registered"
        /// The backend refused the request as malformed or invalid.
        case badRequest = "bad_request"
        /// The request was too large for the backend.
        case tooLarge = "too_large"
        /// The backend answered something this client cannot understand.
        case protocolError = "protocol_error"
        /// The settings name a backend that does not exist, or an endpoint it cannot use.
        case configuration
    }

    /// The kind of failure.
    public var code: Code
    /// What went wrong, naming the backend, endpoint or field involved.
    public var message: String

    /// An error.
    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    /// `code: message`.
    public var description: String { "\(code.rawValue): \(message)" }
}
