import BenchmarkSupport
import GinkgoZeroMQ

/// Rows 3 and 4 of the benchmarks, one side per process, with the same command line as the C
/// and pyzmq references:
/// ```
/// zmq-bench pull ENDPOINT COUNT SIZE     # binds, receives COUNT messages, prints `rate` (msg/s)
/// zmq-bench push ENDPOINT COUNT SIZE     # connects, sends COUNT messages of SIZE bytes
/// zmq-bench rep ENDPOINT TRIPS SIZE      # binds, answers TRIPS requests
/// zmq-bench req ENDPOINT TRIPS SIZE      # connects, prints `p50` and `p99` round trips (µs)
/// ```
/// Each side runs on its context's reactor thread (``Context/executor``), as the README
/// recommends for latency; `--global` runs it on Swift's global executor instead.
@main
struct ZeroMQBenchmark {
    static func main() async throws {
        let arguments = CommandLine.arguments.filter { $0 != "--global" }
        let executor: (any TaskExecutor)? =
            CommandLine.arguments.contains("--global") ? nil : Context.shared.executor
        guard arguments.count == 5, let count = Int(arguments[3]), let size = Int(arguments[4]) else {
            print("usage: zmq-bench pull|push|rep|req ENDPOINT COUNT SIZE")
            return
        }
        let endpoint = arguments[2]
        let payload = Message([UInt8](repeating: 0x2a, count: size))
        try await withTaskExecutorPreference(executor) {
            switch arguments[1] {
            case "pull": try await pull(endpoint, count: count)
            case "push": try await push(endpoint, count: count, payload: payload)
            case "rep": try await rep(endpoint, count: count)
            case "req": try await req(endpoint, count: count, payload: payload)
            default: print("unknown mode \(arguments[1])")
            }
        }
    }

    static func pull(_ endpoint: String, count: Int) async throws {
        let socket = try Socket(.pull)
        try socket.bind(endpoint)
        let clock = ContinuousClock()
        var started = clock.now
        var received = 0
        for try await _ in socket.messages {
            if received == 0 { started = clock.now }
            received += 1
            if received == count { break }
        }
        Report.figure("rate", Double(count - 1) / (clock.now - started).seconds)
    }

    static func push(_ endpoint: String, count: Int, payload: Message) async throws {
        let socket = try Socket(.push)
        try socket.connect(endpoint)
        let burst = [Message](repeating: payload, count: 256)
        var sent = 0
        while sent < count {
            let now = min(burst.count, count - sent)
            try await socket.send(contentsOf: now == burst.count ? burst : Array(burst.prefix(now)))
            sent += now
        }
        await socket.context.terminate()
    }

    static func rep(_ endpoint: String, count: Int) async throws {
        let socket = try Socket(.rep)
        try socket.bind(endpoint)
        for _ in 0..<count {
            try await socket.send(try await socket.receive())
        }
        await socket.context.terminate()
    }

    static func req(_ endpoint: String, count: Int, payload: Message) async throws {
        let socket = try Socket(.req)
        try socket.connect(endpoint)
        let clock = ContinuousClock()
        var trips: [Duration] = []
        trips.reserveCapacity(count)
        for _ in 0..<count {
            let started = clock.now
            try await socket.send(payload)
            _ = try await socket.receive()
            trips.append(clock.now - started)
        }
        trips.sort()
        Report.figure("p50", trips[count / 2].seconds * 1e6)
        Report.figure("p99", trips[count * 99 / 100].seconds * 1e6)
    }
}
