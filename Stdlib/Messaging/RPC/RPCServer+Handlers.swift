extension RPCServer {
    /// Runs one call: the request's payload and the method's name in, the reply's payload out.
    ///
    /// A handler that cannot wait (`sync`) runs on the receive loop with no task of its own, which
    /// is a fifth less of the server's CPU per call for a method that only computes (`Benchmarks`,
    /// row 5); one that may wait (`async`) runs in a task of its own on Swift's pool.
    enum Handler: Sendable {
        case sync(@Sendable (_ payload: [UInt8], _ method: String) throws -> [UInt8])
        case async(@Sendable (_ payload: [UInt8], _ method: String) async throws -> [UInt8])

        func callAsFunction(_ payload: [UInt8], _ method: String) async throws -> [UInt8] {
            switch self {
            case .sync(let body): try body(payload, method)
            case .async(let body): try await body(payload, method)
            }
        }
    }

    /// Serves `method` with `body`, which takes the decoded parameters and returns the result.
    ///
    /// ```swift
    /// server.handle("add") { (numbers: Numbers) in Sum(sum: numbers.a + numbers.b) }
    /// ```
    /// Parameters that do not decode as `Params` get a `bad_payload` error naming the field. A
    /// ``MessagingError`` that `body` throws reaches the caller as it is; any other error as
    /// `handler_failed`. Registering a method again replaces its handler.
    ///
    /// A `body` that does not `await` (this overload) runs on the server's receive loop, with no
    /// task of its own: the fastest kind of method, for work of microseconds. One that computes
    /// for more than a millisecond, twice within a second, runs in tasks of its own from then on,
    /// like a waiting one.
    public func handle<Params: Decodable & SendableMetatype, Result: Encodable & SendableMetatype>(
        _ method: String,
        _ body: @escaping @Sendable (Params) throws -> Result
    ) {
        register(
            method,
            .sync { payload, method in
                let params = try RPCCoding.decode(Params.self, from: payload, method: method, what: "parameters")
                return try RPCCoding.encode(try body(params), method: method, what: "results")
            }
        )
    }

    /// Serves `method` with `body`, which may wait (for I/O, another service) before it returns:
    /// each call runs in a task of its own on Swift's pool.
    ///
    /// ```swift
    /// server.handle("lookup") { (key: String) async throws in try await store.value(for: key) }
    /// ```
    public func handle<Params: Decodable & SendableMetatype, Result: Encodable & SendableMetatype>(
        _ method: String,
        _ body: @escaping @Sendable (Params) async throws -> Result
    ) {
        register(
            method,
            .async { payload, method in
                let params = try RPCCoding.decode(Params.self, from: payload, method: method, what: "parameters")
                return try RPCCoding.encode(try await body(params), method: method, what: "results")
            }
        )
    }

    /// Serves `method`, whose parameters (if any) are ignored, with `body`.
    ///
    /// ```swift
    /// server.handle("time") { Date.now.timeIntervalSince1970 }
    /// ```
    public func handle<Result: Encodable & SendableMetatype>(
        _ method: String,
        _ body: @escaping @Sendable () throws -> Result
    ) {
        register(method, .sync { _, method in try RPCCoding.encode(try body(), method: method, what: "results") })
    }

    /// Serves `method`, whose parameters (if any) are ignored, with `body`, which may wait.
    public func handle<Result: Encodable & SendableMetatype>(
        _ method: String,
        _ body: @escaping @Sendable () async throws -> Result
    ) {
        register(
            method,
            .async { _, method in try RPCCoding.encode(try await body(), method: method, what: "results") }
        )
    }

    /// Serves `method` with JSON as it is: `body` gets the parameters' JSON text as bytes and
    /// returns the result's. Parameters that are not JSON get `bad_payload`, naming the byte where
    /// they stop being JSON.
    ///
    /// ```swift
    /// server.handle("echo", json: { params in params })
    /// ```
    public func handle(_ method: String, json body: @escaping @Sendable ([UInt8]) throws -> [UInt8]) {
        register(method, .sync { payload, method in try body(Self.checkedJSON(payload, method: method)) })
    }

    /// Serves `method` with JSON as it is, with a `body` that may wait.
    public func handle(_ method: String, json body: @escaping @Sendable ([UInt8]) async throws -> [UInt8]) {
        register(method, .async { payload, method in try await body(Self.checkedJSON(payload, method: method)) })
    }

    private static func checkedJSON(_ payload: [UInt8], method: String) throws -> [UInt8] {
        if let problem = JSONSyntax.problem(in: payload) {
            throw MessagingError(.badPayload, "\(method): the parameters are not JSON (\(problem))")
        }
        return payload
    }

    private func register(_ method: String, _ handler: Handler) {
        handlers.withLock { $0[method] = handler }
        handlersVersion.add(1, ordering: .releasing)
    }
}
