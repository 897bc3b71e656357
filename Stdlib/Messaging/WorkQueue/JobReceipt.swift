/// What ``WorkQueue/submit(_:input:)`` returns once a worker acknowledged the job: which worker
/// did it, after how many deliveries, and the handler's output.
///
/// ```swift
/// let receipt = try await queue.submit("resize", input: Resize(path: "cat.png", width: 100))
/// let size = try receipt.output(as: Size.self)
/// print(receipt.worker, receipt.attempts, size)  // box-4242 1 Size(width: 100, height: 80)
/// ```
public struct JobReceipt: Sendable, Hashable {
    /// The job's id, unique per producer.
    public var id: String
    /// The job's kind.
    public var kind: String
    /// The discovery instance id of the worker whose acknowledgement completed the job.
    public var worker: String
    /// How many times the job was handed to a worker (more than 1 after a redelivery).
    public var attempts: Int
    /// The handler's output, as JSON.
    public var output: [UInt8]

    /// A receipt.
    public init(id: String, kind: String, worker: String, attempts: Int, output: [UInt8]) {
        self.id = id
        self.kind = kind
        self.worker = worker
        self.attempts = attempts
        self.output = output
    }

    /// The output decoded as `type`.
    ///
    /// - Throws: ``MessagingError`` `badPayload` naming the field and the problem.
    public func output<Output: Decodable>(as type: Output.Type = Output.self) throws -> Output {
        try MessagingPayload.decode(type, from: output)
    }
}

/// What a worker says of itself in its heartbeat replies.
struct WorkerStatus: Codable, Hashable {
    /// How many of a producer's jobs it may hold at once: its slots, 0 while it drains.
    var capacity: Int
}
