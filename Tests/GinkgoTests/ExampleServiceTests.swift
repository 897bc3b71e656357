import Ginkgo
import Testing

// DESIGN.md's ExampleService, unchanged: it must compile against the Core API. (Swift 6.3 warns
// that it should restate `@unchecked Sendable`; the project's own subclasses do.)
final class AnotherService: Service, @unchecked Sendable {}

final class ExampleService: Service {
    @Setting("example.setting", default: "Foobar", help: "An example setting")
    var setting: String

    let child = AnotherService()

    required init() {
        super.init()
        addService(child)
    }

    override func doStart() async throws {
        logger.info("Service is starting.")
        spawn { try await self.somethingAsync() }
    }
    override func doStop() async throws { logger.info("Service is stopping.") }
    override func doReload() async throws { logger.info("Service is reloading.") }

    func somethingAsync() async throws {
        while true { try await Task.sleep(for: .seconds(1)) }
    }
}

@Suite(.timeLimit(.minutes(1)))
struct ExampleServiceTests {
    @Test func exampleServiceRuns() async throws {
        let service = ExampleService()
        service.settings = try Settings(environment: ["EXAMPLE_SETTING": "Bazqux"])
        #expect(service.setting == "Bazqux")
        try await service.start()
        #expect(service.child.isReady)
        try await service.reload()
        await service.stop()
        #expect(service.child.state == .stopped)
    }
}
