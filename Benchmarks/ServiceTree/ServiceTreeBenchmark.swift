import BenchmarkSupport
import Ginkgo

/// Row 6 of the benchmarks: start and stop of a tree of 10,000 services, and spawn and join of
/// 100,000 tasks on one service. Prints one `name seconds` line per figure.
@main
struct ServiceTreeBenchmark {
    static func main() async throws {
        let services = Arguments.int("--services", default: 10_000)
        let tasks = Arguments.int("--tasks", default: 100_000)
        let clock = ContinuousClock()

        let root = Service(name: "root")
        let branches = 100
        for branch in 0..<branches {
            let middle = Service(name: "branch\(branch)")
            for leaf in 0..<(services / branches - 1) { middle.addService(Service(name: "leaf\(leaf)")) }
            root.addService(middle)
        }
        let treeStarted = clock.now
        try await root.start()
        await root.stop()
        Report.figure("tree_start_stop", clock.now - treeStarted)

        let owner = Service(name: "owner")
        try await owner.start()
        Report.figure("spawn_join", try await spawnAndJoin(tasks, on: owner))
        await owner.stop()
    }

    /// Spawns `count` tasks on `owner` and joins them, from a task as a service's own code runs
    /// (`main` runs on the main actor, which would add a hop to it and back per join).
    static func spawnAndJoin(_ count: Int, on owner: Service) async throws -> Duration {
        let clock = ContinuousClock()
        let started = clock.now
        var handles: [SpawnedTask] = []
        handles.reserveCapacity(count)
        for _ in 0..<count { handles.append(owner.spawn {}) }
        for handle in handles { try await handle.value }
        return clock.now - started
    }
}
