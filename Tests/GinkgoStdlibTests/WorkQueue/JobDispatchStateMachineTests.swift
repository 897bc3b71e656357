import GinkgoZeroMQ
import Testing

@testable import GinkgoStdlib

struct JobDispatchStateMachineTests {
    typealias Machine = JobDispatchStateMachine
    let start = ContinuousClock.now

    func machine() -> Machine {
        Machine(
            configuration: .init(heartbeat: .seconds(1), liveness: 3, lease: .seconds(60), maxMessage: 10_000)
        )
    }

    func at(_ seconds: Double) -> ContinuousClock.Instant { start + .seconds(seconds) }

    static func frames(_ kind: MessagingEnvelope.Kind, id: String?, _ payload: String) -> [Frame] {
        MessagingEnvelope(kind: kind, id: id).message(payload: Array(payload.utf8)).frames
    }

    /// Announces `worker` doing `kinds` and has it answer a heartbeat with `capacity`.
    func addWorker(
        _ id: String,
        capacity: Int,
        kinds: Set<String> = ["resize"],
        to machine: inout Machine,
        at time: Double = 0
    )
        -> [Machine.Action]
    {
        let announced = machine.workerAnnounced(id, endpoint: "tcp://127.0.0.1:1", kinds: kinds, now: at(time))
        #expect(announced.first == .connect(worker: id, endpoint: "tcp://127.0.0.1:1"))
        return machine.received(
            Self.frames(.heartbeat, id: "1", #"{"capacity":\#(capacity)}"#),
            from: id,
            now: at(time)
        )
    }

    static func sentJobs(_ actions: [Machine.Action]) -> [String: String] {
        var jobs: [String: String] = [:]
        for case .send(let worker, _, let job?) in actions { jobs[job] = worker }
        return jobs
    }

    @Test func jobsWaitForALiveWorkerOfTheirKindAndGoToTheOneWithMostFreeSlots() {
        var machine = machine()
        #expect(Self.sentJobs(machine.submit("j1", kind: "resize", input: [], now: at(0))).isEmpty)
        #expect(Self.sentJobs(machine.submit("j2", kind: "mail", input: [], now: at(0))).isEmpty)
        #expect(Self.sentJobs(addWorker("a", capacity: 1, to: &machine)) == ["j1": "a"])
        _ = addWorker("b", capacity: 3, to: &machine)
        let actions = (0..<3).flatMap { machine.submit("k\($0)", kind: "resize", input: [], now: at(0)) }
        #expect(Self.sentJobs(actions) == ["k0": "b", "k1": "b", "k2": "b"])
        #expect(machine.queue == ["j2", "k3"].filter { machine.jobs[$0] != nil })
    }

    @Test func aSilentWorkersJobsGoToAnotherWorker() {
        var machine = machine()
        _ = addWorker("a", capacity: 2, to: &machine)
        #expect(Self.sentJobs(machine.submit("j1", kind: "resize", input: [], now: at(0))) == ["j1": "a"])
        _ = addWorker("b", capacity: 2, to: &machine, at: 2.5)
        #expect(Self.sentJobs(machine.tick(now: at(2.9))).isEmpty)
        _ = machine.received(Self.frames(.heartbeat, id: "2", #"{"capacity":2}"#), from: "b", now: at(3.5))
        let actions = machine.tick(now: at(3.5))
        #expect(Self.sentJobs(actions) == ["j1": "b"])
        #expect(actions.contains(.warn("Worker a silent for 3.0 seconds; handing its 1 jobs to other workers.")))
        let done = machine.received(Self.frames(.ack, id: "j1", "42"), from: "b", now: at(3.6))
        let receipt = JobReceipt(id: "j1", kind: "resize", worker: "b", attempts: 2, output: Array("42".utf8))
        #expect(done.first == .complete(job: "j1", .success(receipt)))
        #expect(machine.jobs.isEmpty)
    }

    @Test func aJobPastItsLeaseGoesElsewhereAndTheFirstAcknowledgementWins() {
        var machine = Machine(
            configuration: .init(heartbeat: .seconds(1), liveness: 3, lease: .seconds(2), maxMessage: 10_000)
        )
        _ = addWorker("a", capacity: 1, to: &machine)
        _ = addWorker("b", capacity: 1, to: &machine)
        #expect(Self.sentJobs(machine.submit("j1", kind: "resize", input: [], now: at(0))) == ["j1": "a"])
        for name in ["a", "b"] {
            _ = machine.received(Self.frames(.heartbeat, id: "2", #"{"capacity":1}"#), from: name, now: at(2.5))
        }
        #expect(Self.sentJobs(machine.tick(now: at(2.5))) == ["j1": "b"])
        let late = machine.received(Self.frames(.ack, id: "j1", "1"), from: "a", now: at(2.6))
        #expect(
            late.first
                == .complete(
                    job: "j1",
                    .success(.init(id: "j1", kind: "resize", worker: "a", attempts: 2, output: Array("1".utf8)))
                )
        )
        #expect(machine.received(Self.frames(.ack, id: "j1", "2"), from: "b", now: at(2.7)).isEmpty)
    }

    @Test func aDrainingWorkerHandsAJobBackAndAWithdrawnOneLeavesOnceItsJobsAreDone() {
        var machine = machine()
        _ = addWorker("a", capacity: 2, to: &machine)
        _ = machine.submit("j1", kind: "resize", input: [], now: at(0))
        _ = machine.submit("j2", kind: "resize", input: [], now: at(0))
        #expect(machine.workerWithdrawn("a").isEmpty)
        let refusal = MessagingError(.unavailable, "a is stopping")
        let payload = String(decoding: try! MessagingPayload.encode(refusal), as: UTF8.self)
        _ = machine.received(Self.frames(.error, id: "j1", payload), from: "a", now: at(0.1))
        #expect(machine.queue == ["j1"])
        let last = machine.received(Self.frames(.ack, id: "j2", "{}"), from: "a", now: at(0.2))
        #expect(last.contains(.disconnect(worker: "a")))
        #expect(machine.workers.isEmpty)
        #expect(Self.sentJobs(addWorker("b", capacity: 1, to: &machine)) == ["j1": "b"])
    }

    @Test func aHandlerFailureCompletesTheJobWithTheTypedError() throws {
        var machine = machine()
        _ = addWorker("a", capacity: 1, to: &machine)
        _ = machine.submit("j1", kind: "resize", input: [], now: at(0))
        let failure = MessagingError(.handlerFailed, "disk full")
        let payload = String(decoding: try MessagingPayload.encode(failure), as: UTF8.self)
        let actions = machine.received(Self.frames(.error, id: "j1", payload), from: "a", now: at(0.1))
        #expect(actions.first == .complete(job: "j1", .failure(failure)))
    }

    @Test func aWorkerSendingGarbageGetsAnErrorReplyAndKeepsItsJobs() throws {
        var machine = machine()
        _ = addWorker("a", capacity: 1, to: &machine)
        _ = machine.submit("j1", kind: "resize", input: [], now: at(0))
        for (frames, code) in [
            ([Frame("garbage")], MessagingError.Code.badEnvelope),
            ([Frame(#"{"v":2,"kind":"ack","id":"j1"}"#), Frame("{}")], .unsupportedVersion),
            (Self.frames(.ack, id: "j1", String(repeating: "x", count: 20_000)), .tooLarge),
            (Self.frames(.request, id: "j1", "{}"), .badEnvelope),
        ] {
            let actions = machine.received(frames, from: "a", now: at(0.1))
            let reply = try #require(
                actions.compactMap { action -> Message? in
                    if case .send("a", let message, nil) = action { return message }
                    return nil
                }.first
            )
            let (header, payload) = try MessagingEnvelope.parse(reply)
            #expect(header.kind == .error)
            #expect(try MessagingPayload.decode(MessagingError.self, from: payload).code == code)
        }
        #expect(machine.workers["a"]?.jobs == ["j1"])
    }
}
