import GinkgoStdlib

extension EtcdProcess {
    /// Runs `body` with a running backend on this etcd (at `endpoint`, by default its own),
    /// logging into `logs`.
    func withBackend<T: Sendable>(
        at endpoint: String? = nil,
        logs: LogCollector = LogCollector(),
        _ body: (EtcdBackend) async throws -> T
    ) async throws -> T {
        let backend = try EtcdBackend(
            endpoints: [endpoint ?? self.endpoint],
            timeout: .seconds(10),
            logger: logs.logger
        )
        return try await withRunning(backend, body)
    }
}
