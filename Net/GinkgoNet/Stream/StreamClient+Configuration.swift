import Ginkgo

extension StreamClient {
    /// How a ``StreamClient`` connects and reconnects.
    ///
    /// ```swift
    /// var configuration = StreamClient.Configuration()
    /// configuration.reconnect = ReconnectPolicy(initialDelay: .milliseconds(50), maximumDelay: .seconds(5))
    /// configuration.waitsForConnection = false
    /// ```
    public struct Configuration: Sendable {
        /// How long one connect attempt may take. Default 5 seconds.
        public var connectTimeout: Duration
        /// The backoff between attempts.
        public var reconnect: ReconnectPolicy
        /// The longest line `readLine()` accepts, in bytes. Default 64 KiB.
        public var maxLineLength: Int
        /// TLS to the server; `nil` (the default) connects in plain TCP.
        public var tls: ClientTLS?
        /// Where handlers run; `nil` (the default) follows the `net.executor` setting.
        public var executor: NetExecutor?
        /// Whether `start()` waits for the first connection (up to the service's
        /// `startTimeout`); `nil` (the default) follows the `stream_client.wait_for_connection`
        /// setting, itself true by default.
        public var waitsForConnection: Bool?

        /// The defaults, changed by any argument given.
        public init(
            connectTimeout: Duration = .seconds(5),
            reconnect: ReconnectPolicy = ReconnectPolicy(),
            maxLineLength: Int = 64 * 1024,
            tls: ClientTLS? = nil,
            executor: NetExecutor? = nil,
            waitsForConnection: Bool? = nil
        ) {
            self.connectTimeout = connectTimeout
            self.reconnect = reconnect
            self.maxLineLength = maxLineLength
            self.tls = tls
            self.executor = executor
            self.waitsForConnection = waitsForConnection
        }

        /// The `stream_client.wait_for_connection` setting.
        public static let waitSetting = Setting(
            "stream_client.wait_for_connection",
            default: true,
            help: "Whether a stream client's start waits until it has connected"
        )
    }
}
