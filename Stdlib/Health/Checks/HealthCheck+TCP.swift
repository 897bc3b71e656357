import NIOCore
import NIOPosix

extension HealthCheck {
    /// Up when a TCP connection to `host:port` opens.
    ///
    /// ```swift
    /// let check = HealthCheck.tcp(host: "127.0.0.1", port: 5432)
    /// ```
    public static func tcp(_ name: String? = nil, host: String, port: Int) -> HealthCheck {
        HealthCheck(name ?? "tcp \(host):\(port)") {
            let start = ContinuousClock.now
            let channel: any Channel
            do {
                channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                    .connect(host: host, port: port).get()
            } catch {
                throw ProbeFailure(description: "connect to \(host):\(port) failed: \(error)")
            }
            try? await channel.close()
            return "connected to \(host):\(port) in \(ContinuousClock.now - start)"
        }
    }
}
