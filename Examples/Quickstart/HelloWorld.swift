import Ginkgo

/// The manual's configurable Hello World: logs `message` at `rate_per_minute`, both read live,
/// so `ctl reload` after editing the config file changes them while it runs.
final class HelloWorld: Service, RunnableService, @unchecked Sendable {
    @Setting("message", default: "Hello World", help: "Message to print out while running")
    var message: String

    @Setting("rate_per_minute", default: 60, help: "Rate at which to emit message")
    var rate: Int

    required init() {
        super.init()
    }

    struct BadRate: Error, CustomStringConvertible {
        var rate: Int
        var description: String { "rate_per_minute must be at least 1, got \(rate)" }
    }

    override func doStart() async throws {
        guard rate >= 1 else { throw BadRate(rate: rate) }
        logger.info("Starting up!")
        spawn { try await self.messageForever() }
    }

    override func doStop() async throws {
        logger.info("Goodbye.")
    }

    override func doReload() async throws {
        if rate < 1 { logger.error("\(BadRate(rate: rate)); keeping the last good rate") }
    }

    private func messageForever() async throws {
        var interval = Duration.seconds(1)
        while true {
            logger.info("\(message)")
            if rate >= 1 { interval = .seconds(60.0 / Double(rate)) }
            try await Task.sleep(for: interval)
        }
    }
}
