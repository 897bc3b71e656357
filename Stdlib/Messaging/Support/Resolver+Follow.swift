import Logging

extension Resolver {
    /// Hands every change to the instances of `name` to `body`, watching again a second after a
    /// watch fails, until the task is cancelled. `restart` runs before each watch begins, whose
    /// first changes describe every instance afresh.
    func follow(
        _ name: String,
        logger: Logger,
        restart: () -> Void = {},
        _ body: (DiscoveryChange) -> Void
    ) async throws {
        while true {
            restart()
            do {
                for try await change in watch(name) { body(change) }
            } catch is CancellationError {
                return
            } catch {
                logger.warning("Watching \(name) in discovery failed (\(error)); watching again.")
            }
            try await Task.sleep(for: .seconds(1))
        }
    }
}
