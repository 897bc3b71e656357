import Dispatch
import Ginkgo
import Hummingbird
import NIOCore
import NIOPosix
import Testing

@testable import GinkgoNet

@Suite(.timeLimit(.minutes(1)))
struct NetExecutorTests {
    @Test(arguments: NetExecutor.allCases)
    func streamHandlersRunWhereTheSettingSays(executor: NetExecutor) async throws {
        let server = StreamServer(host: "127.0.0.1", port: 0) { connection in
            try await connection.write("\(MultiThreadedEventLoopGroup.currentEventLoop != nil)\n")
        }
        server.settings = try Settings(overrides: ["net.executor": executor.rawValue])
        try await server.start()
        let port = try #require(server.port)
        let onEventLoop = try await TestClient.withConnection(port: port) { try await $0.readLine() }
        #expect(onEventLoop == "\(executor == .eventLoops)")
        await server.stop()
    }

    @Test(arguments: NetExecutor.allCases)
    func httpHandlersRunWhereTheSettingSays(executor: NetExecutor) async throws {
        let web = HTTPServer(host: "127.0.0.1", port: 0) { _ in
            let onEventLoop = MultiThreadedEventLoopGroup.currentEventLoop != nil
            return Response(status: .ok, body: .init(byteBuffer: ByteBuffer(string: "\(onEventLoop)")))
        }
        web.settings = try Settings(overrides: ["net.executor": executor.rawValue])
        try await web.start()
        let port = try #require(web.port)
        #expect(try await TestClient.get(port: port).body == "\(executor == .eventLoops)")
        await web.stop()
    }
}

/// A serial executor that runs its jobs on a dispatch queue of its own.
final class QueueExecutor: SerialExecutor {
    static let key = DispatchSpecificKey<Bool>()
    private let queue = DispatchQueue(label: "queue-executor")

    init() {
        queue.setSpecific(key: Self.key, value: true)
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        queue.async { job.runSynchronously(on: self.asUnownedSerialExecutor()) }
    }
}

/// A global actor on a queue of its own.
@globalActor
actor QueueActor {
    static let shared = QueueActor()
    private let executor = QueueExecutor()

    nonisolated var unownedExecutor: UnownedSerialExecutor { executor.asUnownedSerialExecutor() }
}

extension NetExecutorTests {
    /// A read that waits resumes where it was suspended: an actor that reads goes on on its own
    /// executor, whichever executor the connection's task prefers.
    @Test(arguments: NetExecutor.allCases)
    func anActorThatReadsStaysOnItsExecutor(executor: NetExecutor) async throws {
        let server = StreamServer(host: "127.0.0.1", port: 0) { @QueueActor connection in
            try await connection.write("ready\n")
            let line = try await connection.readLine()
            let onQueue = DispatchQueue.getSpecific(key: QueueExecutor.key) == true
            try await connection.write("\(line ?? "nil") \(onQueue)\n")
        }
        server.settings = try Settings(overrides: ["net.executor": executor.rawValue])
        try await server.start()
        let port = try #require(server.port)
        let answer = try await TestClient.withConnection(port: port) { connection in
            #expect(try await connection.readLine() == "ready")
            try await connection.write("hello\n")
            return try await connection.readLine()
        }
        #expect(answer == "hello true")
        await server.stop()
    }
}
