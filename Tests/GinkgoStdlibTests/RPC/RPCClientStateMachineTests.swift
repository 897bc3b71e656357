import GinkgoZeroMQ
import Testing

@testable import GinkgoStdlib

struct RPCClientStateMachineTests {
    /// Each call's waiter is its id.
    typealias Machine = RPCClientStateMachine<UInt64>
    let start = MonotonicInstant.now

    func machine(maxAttempts: Int = 3, instances: [String] = ["a", "b"]) -> Machine {
        var machine = Machine(
            configuration: .init(maxAttempts: maxAttempts, heartbeatInterval: .milliseconds(100), liveness: 3)
        )
        for id in instances { _ = machine.instanceSeen(id, endpoint: "tcp://\(id)", healthy: true, now: start) }
        return machine
    }

    func targets(_ actions: [Machine.Action]) -> [String] {
        actions.compactMap {
            if case .call(let instance, _, _, _) = $0 { return instance }
            return nil
        }
    }

    func reply(_ id: UInt64) -> MessagingEnvelope { MessagingEnvelope(kind: .reply, id: String(id)) }

    @Test func callsGoToTheInstanceWithFewestInFlight() {
        var machine = machine()
        var sent: [String] = []
        for id in UInt64(1)...4 {
            sent += targets(machine.startCall(id, method: "m", payload: [], deadline: start + .seconds(5), now: start))
        }
        #expect(sent.sorted() == ["a", "a", "b", "b"])
        // Two of a's calls end: the next two go to a.
        let onA = machine.calls.filter { $0.value.instance == "a" }.keys.sorted()
        for id in onA { _ = machine.received(from: "a", header: reply(id), payload: [], now: start) }
        sent = []
        for id in UInt64(5)...6 {
            sent += targets(machine.startCall(id, method: "m", payload: [], deadline: start + .seconds(5), now: start))
        }
        #expect(sent == ["a", "a"])
    }

    @Test func aSilentInstanceIsTakenForDeadAndItsCallsMoveOnce() {
        var machine = machine()
        _ = machine.startCall(1, method: "m", payload: [], deadline: start + .seconds(5), now: start)
        _ = machine.startCall(2, method: "m", payload: [], deadline: start + .seconds(5), now: start)
        let later = start + .milliseconds(350)
        // b keeps answering heartbeats; a says nothing.
        _ = machine.received(from: "b", header: MessagingEnvelope(kind: .heartbeat, id: "hb"), payload: [], now: later)
        let actions = machine.tick(now: later)
        #expect(
            actions.contains {
                if case .log(let text) = $0 { text.hasPrefix("a has not answered") } else { false }
            }
        )
        let moved = targets(actions)
        #expect(moved == ["b"])
        #expect(machine.usable == ["b"])
        // Both calls are on b now; a late reply from a ends its call once, b's reply is dropped.
        let fromA = machine.calls.first { $0.value.tried.names == ["a", "b"] }!.key
        #expect(
            machine.received(from: "a", header: reply(fromA), payload: [1], now: later).contains(
                .finish(fromA, .success([1]))
            )
        )
        #expect(machine.received(from: "b", header: reply(fromA), payload: [2], now: later).isEmpty)
        #expect(machine.usable == ["a", "b"])
    }

    @Test func aCallOnASilentInstanceWithNowhereElseToGoWaitsForItsTimeout() {
        var machine = machine(instances: ["a"])
        _ = machine.startCall(1, method: "m", payload: [], deadline: start + .seconds(1), now: start)
        let silent = machine.tick(now: start + .milliseconds(350))
        #expect(!silent.contains { if case .finish = $0 { true } else { false } })
        #expect(machine.usable.isEmpty)
        // The slow instance answers after all.
        #expect(
            machine.received(from: "a", header: reply(1), payload: [7], now: start + .milliseconds(400)).contains(
                .finish(1, .success([7]))
            )
        )
        #expect(machine.usable == ["a"])
    }

    @Test func withNoInstanceAnsweringANewCallGoesToAQuietOneButNotToOneThatIsStopping() {
        var machine = machine()
        // Both go quiet: a stall, not necessarily a death.
        _ = machine.tick(now: start + .milliseconds(350))
        #expect(machine.usable.isEmpty)
        let sent = targets(machine.startCall(1, method: "m", payload: [], deadline: start + .seconds(5), now: start))
        #expect(sent.count == 1)
        #expect(
            machine.received(from: sent[0], header: reply(1), payload: [7], now: start + .milliseconds(400))
                .contains(.finish(1, .success([7])))
        )
        // A stopping instance refuses; with the other one quiet, the call goes there, and a call
        // after that avoids the stopping one while it has not answered a heartbeat.
        let stopping = sent[0]
        let quiet = stopping == "a" ? "b" : "a"
        _ = machine.startCall(2, method: "m", payload: [], deadline: start + .seconds(5), now: start)
        let refusal = MessagingError(.unavailable, "m: \(stopping) is stopping")
        let moved = machine.received(
            from: stopping,
            header: MessagingEnvelope(kind: .error, id: "2"),
            payload: RPCCoding.payload(of: refusal),
            now: start + .milliseconds(450)
        )
        #expect(targets(moved) == [quiet])
        let third = targets(machine.startCall(3, method: "m", payload: [], deadline: start + .seconds(5), now: start))
        #expect(third == [quiet])
    }

    @Test func aCallFailsUnavailableAfterItsLastAttempt() {
        var machine = machine(maxAttempts: 1)
        _ = machine.startCall(1, method: "m", payload: [], deadline: start + .seconds(5), now: start)
        let actions = machine.instanceRemoved(machine.calls[1]!.instance!, now: start)
        guard case .finish(1, .failure(let error)) = actions.last else {
            Issue.record("expected a failure, got \(actions)")
            return
        }
        #expect(error.code == .unavailable)
        #expect(machine.calls.isEmpty)
    }

    @Test func noInstanceMeansUnavailableAndAnExpiredCallTimesOut() {
        var empty = machine(instances: [])
        let refused = empty.startCall(1, method: "m", payload: [], deadline: start + .seconds(1), now: start)
        #expect(refused == [.finish(1, .failure(MessagingError(.unavailable, "m: no instance answers")))])

        var machine = machine(instances: ["a"])
        _ = machine.startCall(2, method: "m", payload: [], deadline: start + .milliseconds(50), now: start)
        let actions = machine.tick(now: start + .milliseconds(60))
        #expect(
            actions.contains(
                .finish(2, .failure(MessagingError(.timeout, "m: no answer within the timeout (sent to a)")))
            )
        )
        #expect(machine.instances["a"]?.load == 0)
    }

    @Test func aCallRefusedByAStoppingServerGoesElsewhere() {
        var machine = machine()
        let first = targets(machine.startCall(1, method: "m", payload: [], deadline: start + .seconds(5), now: start))
        let refusal = MessagingError(.unavailable, "m: a is stopping")
        let actions = machine.received(
            from: first[0],
            header: MessagingEnvelope(kind: .error, id: "1"),
            payload: RPCCoding.payload(of: refusal),
            now: start
        )
        let other = first[0] == "a" ? "b" : "a"
        #expect(targets(actions) == [other])
        #expect(machine.usable == [other])
    }

    /// Each instance's load is the number of calls placed on it, through every kind of event.
    @Test func loadsCountTheCallsOnEachInstanceThroughEveryEvent() {
        var machine = machine(instances: ["a", "b", "c"])
        func expectLoadsMatch(_ step: String, sourceLocation: SourceLocation = #_sourceLocation) {
            for (id, instance) in machine.instances {
                let placed = machine.calls.values.filter { $0.instance == id }.count
                #expect(instance.load == placed, "\(step): \(id)", sourceLocation: sourceLocation)
            }
        }
        for id in UInt64(1)...9 {
            _ = machine.startCall(id, method: "m", payload: [], deadline: start + .seconds(id < 8 ? 5 : 1), now: start)
        }
        expectLoadsMatch("placed")
        for id in UInt64(1)...2 {
            _ = machine.received(from: machine.calls[id]!.instance!, header: reply(id), payload: [], now: start)
        }
        #expect(machine.cancel(3) == 3)
        expectLoadsMatch("answered and cancelled")
        let refused = machine.calls[4]!.instance!
        let refusal = MessagingError(.unavailable, "m: \(refused) is stopping")
        _ = machine.received(
            from: refused,
            header: MessagingEnvelope(kind: .error, id: "4"),
            payload: RPCCoding.payload(of: refusal),
            now: start
        )
        expectLoadsMatch("refused")
        let later = start + .milliseconds(350)
        let quiet = machine.instances.keys.sorted().first { $0 != refused }!
        for id in machine.instances.keys where id != quiet {
            _ = machine.received(
                from: id,
                header: MessagingEnvelope(kind: .heartbeat, id: "hb"),
                payload: [],
                now: later
            )
        }
        _ = machine.tick(now: later)
        expectLoadsMatch("silent one taken for dead")
        _ = machine.instanceRemoved(machine.instances.keys.sorted().first { $0 != quiet }!, now: later)
        expectLoadsMatch("one removed")
        _ = machine.tick(now: start + .milliseconds(1500))
        expectLoadsMatch("expired")
        _ = machine.failAll(MessagingError(.unavailable, "stopped"))
        #expect(machine.calls.isEmpty)
        expectLoadsMatch("all failed")
    }

    @Test func aBurstOfAnswersEndsEachCallOnceAndCountsItOffItsOwnInstance() {
        var machine = machine()
        for id in UInt64(1)...4 {
            _ = machine.startCall(id, method: "m", payload: [], deadline: start + .seconds(5), now: start)
        }
        let onA = machine.calls.filter { $0.value.instance == "a" }.keys.sorted()
        let onB = machine.calls.filter { $0.value.instance == "b" }.keys.sorted()
        // a answers one of its calls, one of b's (as an instance tried earlier may), a heartbeat,
        // a call nobody made, and its first call again.
        var actions: [Machine.Action] = []
        machine.received(
            from: "a",
            [
                Machine.Answer(kind: .reply, callID: onA[0], payload: [1]),
                Machine.Answer(kind: .reply, callID: onB[0], payload: [2]),
                Machine.Answer(kind: .heartbeat, callID: nil, payload: []),
                Machine.Answer(kind: .reply, callID: 99, payload: []),
                Machine.Answer(kind: .reply, callID: onA[0], payload: [3]),
            ],
            now: start,
            into: &actions
        )
        #expect(actions == [.finish(onA[0], .success([1])), .finish(onB[0], .success([2]))])
        #expect(machine.instances["a"]?.load == 1)
        #expect(machine.instances["b"]?.load == 1)
    }

    @Test func unhealthyInstancesGetNoNewCallsAndServerErrorsArriveTyped() throws {
        var machine = machine()
        _ = machine.instanceSeen("a", endpoint: "tcp://a", healthy: false, now: start)
        #expect(
            targets(machine.startCall(1, method: "m", payload: [], deadline: start + .seconds(1), now: start)) == ["b"]
        )
        let error = MessagingError(.handlerFailed, "m failed: boom")
        let actions = machine.received(
            from: "b",
            header: MessagingEnvelope(kind: .error, id: "1"),
            payload: RPCCoding.payload(of: error),
            now: start
        )
        #expect(actions == [.finish(1, .failure(error))])
    }
}

extension RPCClientStateMachine<UInt64> {
    /// `startCall` with its actions returned, the instance it placed the call on as a `call`.
    mutating func startCall(
        _ id: UInt64,
        method: String,
        payload: [UInt8],
        deadline: MonotonicInstant,
        now: MonotonicInstant
    ) -> [Action] {
        var actions: [Action] = []
        let placed = startCall(
            id,
            waiter: id,
            method: method,
            payload: payload,
            deadline: deadline,
            now: now,
            into: &actions
        )
        if let placed { actions.append(.call(instance: placed, id: id, method: method, payload: payload)) }
        return actions
    }

    /// `received` of a message with `header`, with its actions returned.
    mutating func received(
        from id: String,
        header: MessagingEnvelope,
        payload: [UInt8],
        now: MonotonicInstant
    ) -> [Action] {
        var actions: [Action] = []
        received(
            from: id,
            [Answer(kind: header.kind, callID: header.id.flatMap(UInt64.init), payload: payload)],
            now: now,
            into: &actions
        )
        return actions
    }
}
