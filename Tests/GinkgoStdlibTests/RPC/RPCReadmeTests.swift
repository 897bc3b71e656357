import Ginkgo
import GinkgoStdlib
import Testing

// The README's RPC examples, verbatim.
struct Numbers: Codable, Sendable { var a: Int, b: Int }
struct Sum: Codable, Sendable, Equatable { var sum: Int }

final class Calculator: Service, RunnableService, @unchecked Sendable {
    let server = RPCServer(name: "calculator")

    required init() {
        super.init()
        addService(server)
        server.handle("add") { (numbers: Numbers) in Sum(sum: numbers.a + numbers.b) }
    }
}

func add(_ a: Int, _ b: Int, using client: RPCClient) async throws -> Int {
    try await client.call("add", Numbers(a: a, b: b), as: Sum.self).sum
}

func divide(_ a: Int, _ b: Int, using client: RPCClient) async throws -> Int? {
    do {
        return try await client.call("divide", Numbers(a: a, b: b), as: Sum.self, timeout: .seconds(1)).sum
    } catch let error as MessagingError where error.code == .unknownMethod {
        print(error)  // unknown_method: no method "divide" on Calculator/rpc (has ["add"])
        return nil
    }
}

func addAll(_ pairs: [Numbers], using client: RPCClient) async throws -> Int {
    try await withThrowingTaskGroup(of: Int.self) { group in
        for worker in 0..<64 {
            // 64 callers on the client's executor, each making every 64th call in turn.
            group.addTask(executorPreference: client.executor) {
                try await client.withCaller { caller in
                    var total = 0
                    for index in stride(from: worker, to: pairs.count, by: 64) {
                        total += try await caller.call("add", pairs[index], as: Sum.self).sum
                    }
                    return total
                }
            }
        }
        return try await group.reduce(0, +)
    }
}

@Suite(.timeLimit(.minutes(1)))
struct RPCReadmeTests {
    @Test func theCalculatorIsCalledThroughDiscovery() async throws {
        try await withRegistry { _, endpoint in
            let settings = try Settings(overrides: ["discovery.endpoints": endpoint, "discovery.timeout": "10s"])
            let calculator = Calculator()
            calculator.settings = settings
            try await calculator.start()
            let client = RPCClient(service: "calculator")
            client.settings = settings
            try await client.start()
            #expect(try await add(1, 2, using: client) == 3)
            #expect(try await divide(1, 0, using: client) == nil)
            let pairs = (0..<1000).map { Numbers(a: $0, b: 1) }
            #expect(try await addAll(pairs, using: client) == (1...1000).reduce(0, +))
            await client.stop()
            await calculator.stop()
        }
    }
}
