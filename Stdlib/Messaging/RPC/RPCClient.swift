public import Ginkgo
import GinkgoZeroMQ
import Logging
import Synchronization

/// Calls methods of an ``RPCServer`` — of every instance of a service name that discovery knows,
/// or of fixed endpoints — with many calls in flight on one connection per instance.
///
/// ```swift
/// let client = RPCClient(service: "calculator")
/// try await client.start()
/// let sum: Sum = try await client.call("add", Numbers(a: 1, b: 2))
/// ```
/// A call always ends, with a result or a ``MessagingError``:
/// - each call goes to the healthy instance with the fewest calls in flight (round-robin among
///   equals); instances that discovery removes or marks unhealthy get no new calls, new ones do;
/// - every instance gets a `heartbeat` each `heartbeatInterval`; one not heard from (reply or
///   heartbeat) for `liveness` intervals is taken for dead, and its calls are sent to another
///   instance, each call to at most `maxAttempts` instances, then `unavailable`; a dead instance
///   that answers again gets calls again. While no instance answers, calls still go to the quiet
///   healthy ones (a stall is not a death), and their timeout bounds them;
/// - `timeout` (per call) ends a call with `timeout`; a server-side failure arrives as the error
///   the server sent (`unknown_method`, `bad_payload`, `handler_failed`, ...).
/// A reply that comes after its call ended (a slow instance answering after the retry) is
/// dropped: the caller sees one result.
public final class RPCClient: Service, @unchecked Sendable {
    /// Who to call.
    enum Target {
        case service(String, Resolver, tag: String?)
        case endpoints([String])
    }

    /// How the client spreads calls and notices dead instances.
    public struct Configuration: Sendable {
        /// The timeout of a call that names none; default 5 s.
        public var timeout: Duration = .seconds(5)
        /// How many instances one call may be sent to; default 3.
        public var maxAttempts: Int = 3
        /// How often each instance is probed; default 200 ms.
        public var heartbeatInterval: Duration = .milliseconds(200)
        /// Missed intervals before an instance is taken for dead; default 3.
        public var liveness: Int = 3
        /// Largest reply accepted, in bytes (a larger one drops the connection); default 16 MiB.
        public var maxMessageSize: Int = 16 << 20

        /// The defaults.
        public init() {}
    }

    /// The calls and instances, each call holding its caller's continuation: resumed once, by
    /// whoever takes the call out of the machine.
    typealias Machine = RPCClientStateMachine<UnsafeContinuation<[UInt8], any Error>>

    struct Book {
        var machine: Machine
        var connections = RPCConnections()
        var open = false
        /// The actions of one change of the book, kept for their capacity (see `withBook`).
        var actions: [Machine.Action] = []
    }

    let target: Target
    /// The client's settings.
    public let configuration: Configuration
    let book: Mutex<Book>
    /// `configuration.timeout` in nanoseconds, converted once.
    private let timeoutNanoseconds: Int64
    private let nextID = Atomic<UInt64>(0)
    /// Whether the latest call came from a task that prefers ``executor``; the receivers follow.
    let callersOnExecutor = Atomic<Bool>(false)

    /// A client of every instance of `service` that `resolver` finds (with `tag`, if given); a
    /// resolver of its own, configured by the `discovery.*` settings, when `nil`.
    public init(
        service: String,
        tag: String? = nil,
        resolver: Resolver? = nil,
        configuration: Configuration = Configuration(),
        name: String? = nil
    ) {
        let own = resolver == nil ? Resolver() : nil
        self.target = .service(service, resolver ?? own!, tag: tag)
        self.configuration = configuration
        self.timeoutNanoseconds = configuration.timeout.saturatingNanoseconds
        self.book = Mutex(Book(machine: Self.machine(configuration)))
        super.init(name: name ?? "rpc-client")
        if let own { addService(own) }
    }

    /// A client of the servers at `endpoints` (each taken as one instance), without discovery.
    public init(endpoints: [String], configuration: Configuration = Configuration(), name: String? = nil) {
        self.target = .endpoints(endpoints)
        self.configuration = configuration
        self.timeoutNanoseconds = configuration.timeout.saturatingNanoseconds
        self.book = Mutex(Book(machine: Self.machine(configuration)))
        super.init(name: name ?? "rpc-client")
    }

    private static func machine(_ configuration: Configuration) -> Machine {
        Machine(
            configuration: .init(
                maxAttempts: max(1, configuration.maxAttempts),
                heartbeatInterval: configuration.heartbeatInterval,
                liveness: max(1, configuration.liveness)
            )
        )
    }

    /// The instances that get new calls now (healthy and answering), by id.
    public var usableInstances: [String] { book.withLock { $0.machine.usable } }

    override public func doStart() async throws {
        try await connect()
    }

    override public func doStop() async throws {
        closeAll()
    }

    // MARK: Calling

    /// Calls `method` with `params` and decodes its result.
    ///
    /// ```swift
    /// let sum: Sum = try await client.call("add", Numbers(a: 1, b: 2), timeout: .seconds(1))
    /// ```
    /// - Throws: ``MessagingError`` — the server's (`unknown_method`, `bad_payload`,
    ///   `handler_failed`, ...), `timeout`, `unavailable`, or `bad_payload` for a result that does
    ///   not decode as `Result` — or `CancellationError`.
    nonisolated(nonsending) public func call<Params: Encodable, Result: Decodable>(
        _ method: String,
        _ params: Params,
        as type: Result.Type = Result.self,
        timeout: Duration? = nil
    ) async throws -> Result {
        try await call(method, params, as: type, timeout: timeout, through: nil)
    }

    /// The typed call, plain or through a caller.
    nonisolated(nonsending) func call<Params: Encodable, Result: Decodable>(
        _ method: String,
        _ params: Params,
        as type: Result.Type,
        timeout: Duration?,
        through caller: Caller.State?
    ) async throws -> Result {
        let payload = try RPCCoding.encode(params, method: method, what: "parameters")
        let reply =
            if let caller {
                try await call(method, json: payload, timeout: timeout, through: caller)
            } else {
                try await call(method, json: payload, timeout: timeout)
            }
        return try RPCCoding.decode(Result.self, from: reply, method: method, what: "results")
    }

    /// Calls `method` with JSON parameters as they are, and returns the result's JSON.
    ///
    /// Like the typed `call`, it runs on the caller's executor (`nonisolated(nonsending)`), with
    /// no executor check on the way in and out: a third fewer task switches per call. A task that
    /// makes many calls one after another spends less per call through ``withCaller(_:)``.
    ///
    /// ```swift
    /// let reply = try await client.call("echo", json: Array(#"{"hello":"world"}"#.utf8))
    /// ```
    nonisolated(nonsending) public func call(
        _ method: String,
        json params: [UInt8],
        timeout: Duration? = nil
    ) async throws -> [UInt8] {
        let id = newCallID()
        noteCaller()
        return try await withTaskCancellationHandler {
            // Switches to the caller's executor after it suspends only (see `call(through:)`).
            try await _unsafeInheritExecutor_withUnsafeThrowingContinuation { continuation in
                place(id, method: method, params: params, timeout: timeout, waiter: continuation, checkingTask: true)
            }
        } onCancel: {
            cancelCall(id)
        }
    }

    /// Places call `id` with the state machine, and sends it, or resumes `waiter` with why not.
    /// It reads the clock itself, and is never inlined: what it keeps in locals stays out of the
    /// call's async frame.
    ///
    /// With `checkingTask`, a task cancelled already gets no call: its cancellation handler ran
    /// before there was a call to end. A ``Caller`` checks its own state instead, which the
    /// handler of `withCaller` sets; reading the task's flag costs 80 instructions.
    @inline(never)
    func place(
        _ id: UInt64,
        method: String,
        params: [UInt8],
        timeout: Duration?,
        waiter continuation: UnsafeContinuation<[UInt8], any Error>,
        checkingTask: Bool
    ) {
        let now = MonotonicInstant.now
        let deadline = timeout.map { now + $0 } ?? now.advanced(byNanoseconds: timeoutNanoseconds)
        var connection: RPCConnection?
        let refusal = withBook { book, actions -> (any Error)? in
            guard book.open else {
                return MessagingError(.unavailable, "\(method): the client is \(self.state), not running")
            }
            if checkingTask, Task.isCancelled { return CancellationError() }
            let instance = book.machine.startCall(
                id,
                waiter: continuation,
                method: method,
                payload: params,
                deadline: deadline,
                now: now,
                into: &actions
            )
            connection = instance.flatMap { book.connections($0) }
            return nil
        }
        if let refusal { continuation.resume(throwing: refusal) }
        // Encoded after the lock: calls placed on other threads wait for it.
        connection?.sendCall(id: id, method: method, payload: params)
    }

    /// Ends call `id` as cancelled, if it is still in flight.
    func cancelCall(_ id: UInt64) {
        book.withLock { $0.machine.cancel(id) }?.resume(throwing: CancellationError())
    }

    /// A new call's id.
    func newCallID() -> UInt64 { nextID.add(1, ordering: .relaxed).newValue }
}
