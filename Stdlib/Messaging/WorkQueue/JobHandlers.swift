/// The job kinds a ``JobWorker`` does, each with its handler: the input decodes from the job's
/// JSON payload, and the output is the acknowledgement's.
///
/// ```swift
/// let worker = JobWorker { jobs in
///     jobs.handle("resize") { (input: Resize) in
///         try await resize(input.path, to: input.width)
///     }
/// }
/// ```
public struct JobHandlers: Sendable {
    typealias Handler = @Sendable (_ input: [UInt8]) async throws -> [UInt8]

    private(set) var handlers: [String: Handler] = [:]

    /// No handlers yet.
    public init() {}

    /// Runs `body` for each job of `kind`; what it returns goes back to the producer. A handler
    /// that throws fails the job (the producer gets `handler_failed`); it is not run again.
    public mutating func handle<Input: Decodable & Sendable, Output: Encodable & Sendable>(
        _ kind: String,
        _ body: @escaping @Sendable (Input) async throws -> Output
    ) {
        handlers[kind] = { bytes in
            let input = try MessagingPayload.decode(Input.self, from: bytes)
            return try MessagingPayload.encode(try await body(input))
        }
    }

    /// The kinds handled, sorted.
    public var kinds: [String] { handlers.keys.sorted() }

    subscript(kind: String) -> Handler? { handlers[kind] }
}
