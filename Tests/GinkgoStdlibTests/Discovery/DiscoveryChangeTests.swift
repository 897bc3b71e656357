import GinkgoStdlib
import Testing

@Suite struct DiscoveryChangeTests {
    func instance(_ id: String, health: InstanceHealth = .healthy, port: Int = 1) -> ServiceInstance {
        ServiceInstance(name: "echo", id: id, endpoints: ["rpc": "tcp://127.0.0.1:\(port)"], health: health)
    }

    @Test func diffListsRemovalsFirstThenTheRestInIdOrder() {
        let old = [instance("a"), instance("b"), instance("c")]
        let new = [instance("b", health: .unhealthy), instance("c", port: 2), instance("d")]
        let changes = DiscoveryChange.changes(from: old, to: new)
        #expect(
            changes.map(\.description) == [
                "removed echo/a (healthy)",
                "health echo/b (unhealthy)",
                "updated echo/c (healthy)",
                "added echo/d (healthy)",
            ]
        )
    }

    @Test func noChangesBetweenEqualSnapshots() {
        let same = [instance("a"), instance("b")]
        #expect(DiscoveryChange.changes(from: same, to: same.reversed()).isEmpty)
    }

    @Test func describesAnInstanceOnOneLine() {
        var echo = instance("a")
        echo.metadata = ["host": "box", "pid": "42"]
        echo.tags = ["blue"]
        #expect(echo.description == "echo a rpc=tcp://127.0.0.1:1 healthy host=box pid=42 tags=blue")
        #expect(echo.endpoint() == "tcp://127.0.0.1:1")
    }
}
