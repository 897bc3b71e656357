import Testing

@testable import GinkgoStdlib

@Suite struct RegistryStateTests {
    let start = ContinuousClock.now
    let alice: [UInt8] = Array("alice".utf8)
    let bob: [UInt8] = Array("bob".utf8)

    func echo(_ id: String, health: InstanceHealth = .healthy) -> ServiceInstance {
        ServiceInstance(name: "echo", id: id, endpoints: ["rpc": "tcp://127.0.0.1:1"], health: health)
    }

    func request(_ op: String, _ edit: (inout RegistryWire.Request) -> Void = { _ in }) -> RegistryWire.Request {
        var request = RegistryWire.Request(v: 1, id: 7, op: op)
        edit(&request)
        return request
    }

    func register(_ instance: ServiceInstance, ttl: Int = 1000) -> RegistryWire.Request {
        request("register") {
            $0.instance = instance
            $0.ttlMilliseconds = ttl
        }
    }

    @Test func aLeaseExpiresUnlessRenewed() {
        var state = RegistryState(epoch: "e", watchTimeout: .seconds(15))
        _ = state.handle(register(echo("a")), from: alice, now: start)
        _ = state.handle(register(echo("b")), from: alice, now: start)
        let renew = request("renew") {
            $0.name = "echo"
            $0.instanceID = "b"
            $0.ttlMilliseconds = 5000
        }
        let replies = state.handle(renew, from: alice, now: start + .milliseconds(900))
        #expect(replies.first?.message.ok == true)
        #expect(state.expire(now: start + .milliseconds(999)).expired.isEmpty)
        #expect(state.expire(now: start + .milliseconds(1000)).expired == [ServiceInstance.Key(name: "echo", id: "a")])
        #expect(state.instances(named: "echo").map(\.id) == ["b"])
        #expect(state.nextExpiry == start + .milliseconds(5900))
    }

    @Test func renewingAGoneLeaseSaysNotRegistered() {
        var state = RegistryState(epoch: "e", watchTimeout: .seconds(15))
        let renew = request("renew") {
            $0.name = "echo"
            $0.instanceID = "a"
            $0.ttlMilliseconds = 1000
        }
        let reply = state.handle(renew, from: alice, now: start).first?.message
        #expect(reply?.error?.code == "not_registered")
        #expect(reply?.id == 7)
    }

    @Test func watchersGetASnapshotThenNumberedChangesOfTheirNameOnly() {
        var state = RegistryState(epoch: "e", watchTimeout: .seconds(15))
        _ = state.handle(register(echo("a")), from: alice, now: start)
        let watch = state.handle(request("watch") { $0.name = "echo" }, from: bob, now: start)
        #expect(watch.map(\.message.event) == [nil, "snapshot"])
        #expect(watch[1].message.instances?.map(\.id) == ["a"])

        var other = echo("x")
        other.name = "other"
        let events =
            state.handle(register(echo("b")), from: alice, now: start)
            + state.handle(register(other), from: alice, now: start)
            + state.handle(register(echo("a", health: .unhealthy)), from: alice, now: start)
            + state.handle(
                request("deregister") {
                    $0.name = "echo"; $0.instanceID = "b"
                },
                from: alice,
                now: start
            )
            + state.expire(now: start + .seconds(2)).events
        let toBob = events.filter { $0.client == bob }.map(\.message)
        #expect(
            toBob.map { "\($0.seq!) \($0.event!) \($0.instance!.id)" } == [
                "1 added b", "2 health a", "3 removed b", "4 removed a",
            ]
        )
    }

    @Test func aSilentWatcherLosesItsWatches() {
        var state = RegistryState(epoch: "e", watchTimeout: .seconds(15))
        _ = state.handle(request("watch") { $0.name = "echo" }, from: bob, now: start)
        _ = state.handle(request("ping"), from: bob, now: start + .seconds(10))
        _ = state.expire(now: start + .seconds(20))
        #expect(state.subscriptions.count == 1)
        _ = state.expire(now: start + .seconds(26))
        #expect(state.subscriptions.isEmpty)
        #expect(
            state.handle(register(echo("a")), from: alice, now: start + .seconds(26)).filter { $0.client == bob }
                .isEmpty
        )
    }

    @Test(arguments: [
        (RegistryWire.Request(id: 1, op: "ping"), "bad_request", "missing field v"),
        (RegistryWire.Request(v: 2, id: 1, op: "ping"), "unsupported_version", "version 2"),
        (RegistryWire.Request(v: 1, id: 1), "bad_request", "missing field op"),
        (RegistryWire.Request(v: 1, id: 1, op: "explode"), "bad_request", "unknown op \"explode\""),
        (RegistryWire.Request(v: 1, id: 1, op: "register"), "bad_request", "missing field instance"),
        (
            RegistryWire.Request(
                v: 1,
                id: 1,
                op: "register",
                instance: ServiceInstance(name: "a/b", id: "x", endpoints: [:]),
                ttlMilliseconds: 1000
            ), "bad_request", "contains /"
        ),
        (
            RegistryWire.Request(
                v: 1,
                id: 1,
                op: "register",
                instance: ServiceInstance(name: "ok", id: "x", endpoints: [:]),
                ttlMilliseconds: 5
            ), "bad_request", "ttl_ms"
        ),
        (RegistryWire.Request(v: 1, id: 1, op: "renew", name: "echo"), "bad_request", "needs name and instance_id"),
        (RegistryWire.Request(v: 1, id: 1, op: "watch"), "bad_request", "needs a valid name"),
    ])
    func badRequestsGetAnErrorNamingTheProblem(request: RegistryWire.Request, code: String, message: String) {
        var state = RegistryState(epoch: "e", watchTimeout: .seconds(15))
        let replies = state.handle(request, from: alice, now: start)
        #expect(replies.count == 1)
        #expect(replies.first?.message.ok == false)
        #expect(replies.first?.message.error?.code == code)
        #expect(replies.first?.message.error?.message.contains(message) == true)
        #expect(state.records.isEmpty)
    }
}
