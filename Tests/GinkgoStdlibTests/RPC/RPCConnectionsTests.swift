import Testing

@testable import GinkgoStdlib

@Suite(.timeLimit(.minutes(1)))
struct RPCConnectionsTests {
    private func connection(_ instance: String) throws -> RPCConnection {
        // libzmq connects in the background: nothing needs to listen there.
        try RPCConnection(instance: instance, endpoint: "tcp://127.0.0.1:9", maxMessageSize: 1024)
    }

    @Test func findsTheConnectionOfAnInstanceAndForgetsWhatWasReplacedOrRemoved() throws {
        var connections = RPCConnections()
        let a = try connection("a")
        let b = try connection("b")
        let newA = try connection("a")
        defer { for each in [a, b, newA] { each.close() } }

        #expect(connections("a") == nil)
        #expect(connections.set(a, for: "a") == nil)
        #expect(connections.set(b, for: "b") == nil)
        #expect(connections("a") === a)
        #expect(connections("a") === a, "the last one found, again")
        #expect(connections("b") === b)
        #expect(connections("a") === a, "found last, so replacing it must forget it")
        #expect(connections.set(newA, for: "a") === a, "the one replaced is returned")
        #expect(connections("a") === newA)
        #expect(connections.remove("a") === newA)
        #expect(connections("a") == nil)
        #expect(connections("b") === b)
        #expect(connections.remove("nobody") == nil)
    }
}
