import BenchmarkSupport
import Ginkgo
import GinkgoStdlib

/// Row 5 of the benchmarks: calls through `RPCClient` and `RPCServer`, one side per process, with
/// the same command line as the C reference (`References/rpc_bench.c`, raw DEALER/ROUTER):
/// ```
/// rpc-bench server ENDPOINT                 # binds, answers method echo until killed
/// rpc-bench client ENDPOINT CALLS INFLIGHT  # prints `rate` (calls/s) and `p99` (µs)
/// ```
@main
struct RPCBenchmark {
    static let params = Array(#"{"n":42,"text":"sixteen bytes..."}"#.utf8)

    static func main() async throws {
        let arguments = CommandLine.arguments
        switch (arguments.count, arguments.dropFirst().first) {
        case (3, "server"):
            try await serve(arguments[2])
        case (5, "client"):
            guard let calls = Int(arguments[3]), let inFlight = Int(arguments[4]) else { fallthrough }
            try await call(arguments[2], calls: calls, inFlight: inFlight)
        default:
            print("usage: rpc-bench server ENDPOINT | rpc-bench client ENDPOINT CALLS INFLIGHT")
        }
    }

    static func serve(_ endpoint: String) async throws {
        let server = RPCServer(endpoint: endpoint)
        server.handle("echo", json: { $0 })
        try await server.serveForever()
    }

    static func call(_ endpoint: String, calls: Int, inFlight: Int) async throws {
        var configuration = RPCClient.Configuration()
        configuration.timeout = .seconds(30)
        let client = RPCClient(endpoints: [endpoint], configuration: configuration)
        try await client.start()
        // The first call waits for the server to be up; it is not measured.
        _ = try await client.call("echo", json: params)
        // Timed as the C reference times: `clock_gettime` twice per call.
        let started = Nanoseconds.now
        // `inFlight` callers, each making its share of the calls one after another: 64 in flight,
        // like the C reference's loop, and no task made per call. They run on the client's
        // executor and call through `withCaller`, as its documentation recommends for tasks that
        // make many calls one after another.
        let callers = min(inFlight, calls)
        var trips = try await withThrowingTaskGroup(of: [Int64].self) { group in
            for worker in 0..<callers {
                let share = calls / callers + (worker < calls % callers ? 1 : 0)
                group.addTask(executorPreference: client.executor) {
                    try await client.withCaller { caller in
                        var trips: [Int64] = []
                        trips.reserveCapacity(share)
                        for _ in 0..<share {
                            let sent = Nanoseconds.now
                            _ = try await caller.call("echo", json: params)
                            trips.append(Nanoseconds.now - sent)
                        }
                        return trips
                    }
                }
            }
            var trips: [Int64] = []
            trips.reserveCapacity(calls)
            for try await some in group { trips += some }
            return trips
        }
        // Sorted after the clock stops, as the C reference does.
        let elapsed = Double(Nanoseconds.now - started) / 1e9
        trips.sort()
        await client.stop()
        Report.figure("rate", Double(calls) / elapsed)
        Report.figure("p99", Double(trips[trips.count * 99 / 100]) / 1e3)
    }
}
