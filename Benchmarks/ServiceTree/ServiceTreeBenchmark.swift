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
        let spawnStarted = clock.now
        var handles: [SpawnedTask] = []
        handles.reserveCapacity(tasks)
        for _ in 0..<tasks { handles.append(owner.spawn {}) }
        for handle in handles { try await handle.value }
        Report.figure("spawn_join", clock.now - spawnStarted)
        await owner.stop()
    }
}
