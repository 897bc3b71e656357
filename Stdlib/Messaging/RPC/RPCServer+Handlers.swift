extension RPCServer {
    /// Runs one call: the request's payload and the method's name in, the reply's payload out.
    typealias Handler = @Sendable (_ payload: [UInt8], _ method: String) async throws -> [UInt8]

    /// Serves `method` with `body`, which takes the decoded parameters and returns the result.
    ///
    /// ```swift
    /// server.handle("add") { (numbers: Numbers) in Sum(sum: numbers.a + numbers.b) }
    /// ```
    /// Parameters that do not decode as `Params` get a `bad_payload` error naming the field. A
    /// ``MessagingError`` that `body` throws reaches the caller as it is; any other error as
    /// `handler_failed`. Registering a method again replaces its handler.
    public func handle<Params: Decodable & SendableMetatype, Result: Encodable & SendableMetatype>(
        _ method: String,
        _ body: @escaping @Sendable (Params) async throws -> Result
    ) {
        register(method) { payload, method in
            let params = try RPCCoding.decode(Params.self, from: payload, method: method, what: "parameters")
            return try RPCCoding.encode(try await body(params), method: method, what: "results")
        }
    }

    /// Serves `method`, whose parameters (if any) are ignored, with `body`.
    ///
    /// ```swift
    /// server.handle("time") { Date.now.timeIntervalSince1970 }
    /// ```
    public func handle<Result: Encodable & SendableMetatype>(
        _ method: String,
        _ body: @escaping @Sendable () async throws -> Result
    ) {
        register(method) { _, method in
            try RPCCoding.encode(try await body(), method: method, what: "results")
        }
    }

    /// Serves `method` with JSON as it is: `body` gets the parameters' JSON text as bytes and
    /// returns the result's. Parameters that are not JSON get `bad_payload`, naming the byte where
    /// they stop being JSON.
    ///
    /// ```swift
    /// server.handle("echo", json: { params in params })
    /// ```
    public func handle(_ method: String, json body: @escaping @Sendable ([UInt8]) async throws -> [UInt8]) {
        register(method) { payload, method in
            if let problem = JSONSyntax.problem(in: payload) {
                throw MessagingError(.badPayload, "\(method): the parameters are not JSON (\(problem))")
            }
            return try await body(payload)
        }
    }

    private func register(_ method: String, _ handler: @escaping Handler) {
        handlers.withLock { $0[method] = handler }
    }
}
