import Ginkgo
import TestSupport

/// A service that records its hooks as `name.start`, `name.stop`, `name.reload`.
class Probe: Service, @unchecked Sendable {
    let recorder: Recorder

    init(_ name: String, _ recorder: Recorder, children: [Service] = []) {
        self.recorder = recorder
        super.init(name: name)
        for child in children { addService(child) }
    }

    override func doStart() async throws { recorder.record("\(name).start") }
    override func doStop() async throws { recorder.record("\(name).stop") }
    override func doReload() async throws { recorder.record("\(name).reload") }
}

/// A probe that also records `name.willStop`.
final class StopNoticingProbe: Probe, @unchecked Sendable {
    override func willStop() async { recorder.record("\(name).willStop") }
}

/// A probe whose `doStart` runs before its children start.
final class EarlyProbe: Probe, @unchecked Sendable {
    override var startBefore: Bool { true }
}

/// A probe whose `doStart` throws.
final class FailingProbe: Probe, @unchecked Sendable {
    struct Failure: Error, CustomStringConvertible {
        var description: String { "port 7000 is taken" }
    }
    override func doStart() async throws {
        recorder.record("\(name).start")
        throw Failure()
    }
}
