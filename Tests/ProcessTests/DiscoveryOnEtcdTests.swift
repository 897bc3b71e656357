import Foundation
import Testing

/// The discovery tools' flows with `discovery.backend=etcd`, against a real etcd (Debian's
/// etcd-server) started for the test on free loopback ports.
@Suite(.timeLimit(.minutes(2)))
struct DiscoveryOnEtcdTests {
    @Test func announcedOnEtcdDiscoveredAndGoneAfterAKillOrAStop() async throws {
        let directory = NSTemporaryDirectory() + "etcd-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let client = "http://127.0.0.1:\(try LoopbackClient.freePort())"
        let peer = "http://127.0.0.1:\(try LoopbackClient.freePort())"
        let etcd = try ChildProcess(
            "/usr/bin/etcd",
            [
                "--name", "ginkgo-process-test", "--data-dir", directory,
                "--listen-client-urls", client, "--advertise-client-urls", client,
                "--listen-peer-urls", peer, "--initial-advertise-peer-urls", peer,
                "--initial-cluster", "ginkgo-process-test=\(peer)", "--logger", "zap", "--log-outputs", "stderr",
            ]
        )
        defer { etcd.signal(SIGKILL) }
        await etcd.expect("serving client traffic")
        let backend = ["--set", "discovery.backend=etcd", "--set", "discovery.endpoints=\(client)"]
        func discover() async throws -> String {
            let result = try await ChildProcess.run("ginkgo", ["discover", "demo"] + backend)
            #expect(result.status == 0, "\(result.output)")
            return result.output
        }
        func announce() async throws -> ChildProcess {
            try await DiscoveryToolTests.announce("demo", ["--set", "announce.ttl=2s"] + backend)
        }

        #expect(try await discover() == "")
        let killed = try await announce()
        #expect(
            try await discover().hasPrefix(
                "demo \(ProcessInfo.processInfo.hostName)-\(killed.pid) default=tcp://127.0.0.1:9999 healthy"
            )
        )
        killed.signal(SIGKILL)
        let start = ContinuousClock.now
        try await waitUntil("the lease to expire in etcd") { try await discover().isEmpty }
        let gone = ContinuousClock.now - start
        // The lease's 2 s, and the `ginkgo discover` processes that watch for it: on a loaded
        // 2-core machine each takes up to seconds to start, and one run took 4.1 s in all.
        #expect(gone < .seconds(15), "took \(gone) with a TTL of 2 s")

        let stopped = try await announce()
        #expect(try await discover().contains("pid=\(stopped.pid)"))
        stopped.signal(SIGTERM)
        await stopped.expectCleanExit()
        #expect(try await discover() == "")
    }
}
