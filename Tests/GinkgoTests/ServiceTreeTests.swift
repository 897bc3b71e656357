import Ginkgo
import Testing
import TestSupport

@Suite(.timeLimit(.minutes(1)))
struct ServiceTreeTests {
    @Test func serviceAddedToTwoParentsIsRejected() async throws {
        let shared = Service(name: "Shared")
        let first = Service(name: "First")
        let second = Service(name: "Second")
        first.addService(shared)
        second.addService(shared)
        #expect(second.children.isEmpty)
        #expect(shared.parent === first)
        do {
            try await second.start()
            Issue.record("start succeeded")
        } catch let error as ServiceError {
            #expect(error.code == .invalidTree)
            #expect("\(error)".contains("already belongs to First"))
        }
        try await first.start()
        await first.stop()
    }

    @Test func serviceAddedToItselfOrItsDescendantIsRejected() async throws {
        let app = Service(name: "App")
        app.addService(app)
        #expect(app.children.isEmpty)
        await #expect(throws: ServiceError.self) { try await app.start() }

        let parent = Service(name: "Parent")
        let child = Service(name: "Child")
        parent.addService(child)
        child.addService(parent)
        #expect(child.children.isEmpty)
        await #expect(throws: ServiceError.self) { try await child.start() }
    }

    @Test func addServiceOnARunningParentStartsTheChild() async throws {
        let recorder = Recorder()
        let app = Probe("App", recorder)
        try await app.start()
        let late = Probe("Late", recorder)
        app.addService(late)
        try await late.waitUntil(.ready, timeout: .seconds(10))
        #expect(late.path == "App/Late")
        app.removeService(late)
        try await late.waitUntil(.stopped, timeout: .seconds(10))
        #expect(late.parent == nil && app.children.isEmpty)
        await app.stop()
        #expect(recorder.events == ["App.start", "Late.start", "Late.stop", "App.stop"])
    }
}
