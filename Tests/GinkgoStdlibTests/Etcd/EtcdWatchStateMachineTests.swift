import Foundation
import Testing

@testable import GinkgoStdlib

/// The watch's bookkeeping, fed etcd's answers by hand.
struct EtcdWatchStateMachineTests {
    let keyspace = EtcdKeyspace(prefix: "/ginkgo/services")

    func instance(_ id: String, health: InstanceHealth = .healthy) -> ServiceInstance {
        EtcdBackendTests.instance(id, health: health)
    }

    func pair(_ instance: ServiceInstance, revision: Int64) -> EtcdKeyValue {
        EtcdKeyValue(
            key: keyspace.key(instance.key),
            value: EtcdBytes(Array(try! JSONEncoder().encode(instance))),
            modRevision: EtcdInt(revision)
        )
    }

    func put(_ instance: ServiceInstance, revision: Int64) -> EtcdEvent {
        EtcdEvent(type: nil, kv: pair(instance, revision: revision))
    }

    func delete(_ id: String, revision: Int64) -> EtcdEvent {
        EtcdEvent(
            type: "DELETE",
            kv: EtcdKeyValue(key: EtcdBytes("/ginkgo/services/echo/\(id)"), modRevision: EtcdInt(revision))
        )
    }

    func events(_ events: [EtcdEvent], header: Int64) -> EtcdWatchResponse {
        EtcdWatchResponse(header: EtcdHeader(revision: EtcdInt(header)), events: events)
    }

    func listed(_ machine: inout EtcdWatchStateMachine, _ instances: [ServiceInstance], revision: Int64)
        -> [WatchUpdate]
    {
        let listing = EtcdRangeResponse(
            header: EtcdHeader(revision: EtcdInt(revision)),
            kvs: instances.map { pair($0, revision: revision) }
        )
        return machine.snapshot(listing).updates
    }

    @Test func aSnapshotThenChangesInOrderFromTheNextRevision() {
        var machine = EtcdWatchStateMachine(name: "echo", keyspace: keyspace)
        #expect(machine.startRevision == nil)
        #expect(
            listed(&machine, [instance("b"), instance("a")], revision: 7) == [
                .snapshot([instance("a"), instance("b")])
            ]
        )
        #expect(machine.startRevision == 8)
        let output = machine.receive(
            events(
                [
                    put(instance("c"), revision: 8),
                    put(instance("a", health: .unhealthy), revision: 9),
                    delete("b", revision: 10),
                    delete("unknown", revision: 10),
                ],
                header: 10
            )
        )
        #expect(
            output.updates == [
                .change(DiscoveryChange(.added, instance("c"))),
                .change(DiscoveryChange(.health, instance("a", health: .unhealthy))),
                .change(DiscoveryChange(.removed, instance("b"))),
            ]
        )
        #expect(output.action == .keepReading)
        #expect(machine.startRevision == 11)
    }

    @Test func aBatchBehindTheHeaderResumesAfterItsLastEvent() {
        var machine = EtcdWatchStateMachine(name: "echo", keyspace: keyspace)
        _ = listed(&machine, [], revision: 3)
        _ = machine.receive(events([put(instance("a"), revision: 4)], header: 2000))
        #expect(machine.startRevision == 5)
        _ = machine.receive(EtcdWatchResponse(header: EtcdHeader(revision: EtcdInt(30)), created: true))
        #expect(machine.startRevision == 5)
        _ = machine.receive(EtcdWatchResponse(header: EtcdHeader(revision: EtcdInt(40))))
        #expect(machine.startRevision == 41)
    }

    @Test func compactionAsksForANewListing() {
        var machine = EtcdWatchStateMachine(name: "echo", keyspace: keyspace)
        _ = listed(&machine, [instance("a")], revision: 3)
        let output = machine.receive(EtcdWatchResponse(canceled: true, compactRevision: EtcdInt(9)))
        #expect(output.action == .resynchronise(reason: "etcd compacted its history up to revision 9"))
        #expect(output.updates.isEmpty)
        #expect(machine.startRevision == nil)
        #expect(listed(&machine, [instance("b")], revision: 12) == [.snapshot([instance("b")])])
        #expect(machine.startRevision == 13)
    }

    @Test func aValueThatIsNoInstanceIsReportedAndEndsTheOneItReplaced() {
        var machine = EtcdWatchStateMachine(name: "echo", keyspace: keyspace)
        _ = listed(&machine, [instance("a")], revision: 3)
        let garbage = EtcdEvent(
            type: nil,
            kv: EtcdKeyValue(key: EtcdBytes("/ginkgo/services/echo/a"), value: EtcdBytes("{"), modRevision: EtcdInt(4))
        )
        let other = EtcdEvent(
            type: nil,
            kv: EtcdKeyValue(key: EtcdBytes("/ginkgo/services/other/x"), value: EtcdBytes("{"), modRevision: EtcdInt(5))
        )
        let output = machine.receive(events([garbage, other], header: 5))
        #expect(output.updates == [.change(DiscoveryChange(.removed, instance("a")))])
        #expect(output.unreadable.map(\.key) == ["/ginkgo/services/echo/a"])
        #expect(machine.startRevision == 6)
    }

    @Test func theRangeOfANameEndsJustPastItsPrefix() {
        #expect(keyspace.range("echo").key.text == "/ginkgo/services/echo/")
        #expect(keyspace.range("echo").end.text == "/ginkgo/services/echo0")
        #expect(keyspace.range(nil).end.text == "/ginkgo/services0")
        #expect(EtcdKeyspace.end(of: [0x61, 0xff]) == [0x62])
        #expect(EtcdKeyspace.end(of: [0xff]) == [0])
    }
}
