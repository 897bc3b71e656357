extension HTTPServer {
    /// How an ``HTTPServer`` listens and stops.
    ///
    /// ```swift
    /// let server = HTTPServer(port: 8000, configuration: .init(drainTimeout: .seconds(30))) { _ in
    ///     Response(status: .ok)
    /// }
    /// ```
    public struct Configuration: Sendable {
        /// The length of the queue of connections not yet accepted. Default 256.
        public var backlog: Int
        /// The most connections served at once; further ones wait in the backlog. `nil` (the
        /// default) sets no limit.
        public var maxConnections: Int?
        /// How long `stop()` lets in-flight requests finish before it cancels them. Default 10 s.
        public var drainTimeout: Duration
        /// The `Server` header of responses; `nil` (the default) sends none.
        public var serverName: String?
        /// Where handlers run; `nil` (the default) follows the `net.executor` setting.
        public var executor: NetExecutor?

        /// The defaults, changed by any argument given.
        public init(
            backlog: Int = 256,
            maxConnections: Int? = nil,
            drainTimeout: Duration = .seconds(10),
            serverName: String? = nil,
            executor: NetExecutor? = nil
        ) {
            self.backlog = backlog
            self.maxConnections = maxConnections
            self.drainTimeout = drainTimeout
            self.serverName = serverName
            self.executor = executor
        }
    }
}
