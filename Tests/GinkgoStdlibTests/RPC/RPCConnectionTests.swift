import GinkgoZeroMQ
import Testing

@testable import GinkgoStdlib

/// A connection holds the calls placed on the reactor thread until the turn ends or
/// `heldCallsLimit` are held, and sends the others at once; every call goes out once, in order.
@Suite(.timeLimit(.minutes(1)))
struct RPCConnectionTests {
    @Test func callsOnTheReactorAreHeldUntilTheTurnEndsOrTheLimit() async throws {
        let router = try Socket(.router)
        defer { router.close() }
        try router.bind("tcp://127.0.0.1:*")
        let connection = try RPCConnection(
            instance: "a",
            endpoint: try #require(router.lastEndpoint),
            maxMessageSize: 1 << 20
        )
        defer { connection.close() }
        let sender = Task { await connection.runSender() }
        defer { sender.cancel() }
        let limit = RPCConnection.heldCallsLimit
        let payload = Array(#"{"n":1}"#.utf8)
        // One job on the reactor: its turn cannot end before the job returns.
        let (afterFive, afterLimit, afterOneMore) = await Task(executorPreference: Context.shared.executor) {
            for id in 1...5 { connection.sendCall(id: UInt64(id), method: "m", payload: payload) }
            let five = connection.heldCount
            for id in 6...limit { connection.sendCall(id: UInt64(id), method: "m", payload: payload) }
            let atLimit = connection.heldCount
            connection.sendCall(id: UInt64(limit + 1), method: "m", payload: payload)
            return (five, atLimit, connection.heldCount)
        }.value
        #expect(afterFive == 5)
        #expect(afterLimit == 0)
        #expect(afterOneMore == 1)
        // Off the reactor a call is not held.
        connection.sendCall(id: UInt64(limit + 2), method: "m", payload: payload)
        #expect(connection.heldCount == 0)
        var ids: [String] = []
        for _ in 0..<(limit + 2) {
            let message = try await router.receive()
            #expect(message.count == 3)
            #expect(message[2].bytes == payload)
            let header = String(decoding: message[1].bytes, as: UTF8.self)
            let id = try #require(header.split(separator: #""id":""#).last?.split(separator: "\"").first)
            ids.append(String(id))
        }
        #expect(ids == (1...(limit + 2)).map(String.init))
        #expect(connection.heldCount == 0)
    }
}
