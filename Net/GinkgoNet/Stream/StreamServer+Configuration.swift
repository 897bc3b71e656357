extension StreamServer {
    /// How a ``StreamServer`` listens and treats its connections.
    ///
    /// ```swift
    /// var configuration = StreamServer.Configuration()
    /// configuration.maxConnections = 1000
    /// configuration.idleTimeout = .seconds(60)
    /// let server = StreamServer(port: 7000, configuration: configuration, handler: handle)
    /// ```
    public struct Configuration: Sendable {
        /// The length of the queue of connections not yet accepted. Default 256.
        public var backlog: Int
        /// The most connections served at once; further ones are closed as soon as they are
        /// accepted and counted in the log. `nil` (the default) sets no limit.
        public var maxConnections: Int?
        /// How long a connection may send and receive nothing before it is closed; `nil`, the
        /// default, keeps idle connections open.
        public var idleTimeout: Duration?
        /// How long `stop()` lets handlers finish after the listener closed, before it cancels
        /// them. Default 5 seconds.
        public var drainTimeout: Duration
        /// The longest line `readLine()` accepts, in bytes. Default 64 KiB.
        public var maxLineLength: Int
        /// TLS from certificate and key files; `nil` (the default) serves plain TCP.
        public var tls: ServerTLS?
        /// Where handlers run; `nil` (the default) follows the `net.executor` setting.
        public var executor: NetExecutor?

        /// The defaults, changed by any argument given.
        public init(
            backlog: Int = 256,
            maxConnections: Int? = nil,
            idleTimeout: Duration? = nil,
            drainTimeout: Duration = .seconds(5),
            maxLineLength: Int = 64 * 1024,
            tls: ServerTLS? = nil,
            executor: NetExecutor? = nil
        ) {
            self.backlog = backlog
            self.maxConnections = maxConnections
            self.idleTimeout = idleTimeout
            self.drainTimeout = drainTimeout
            self.maxLineLength = maxLineLength
            self.tls = tls
            self.executor = executor
        }
    }
}
