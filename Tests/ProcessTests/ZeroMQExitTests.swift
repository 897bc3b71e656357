import Foundation
import Testing

/// What a daemon's ZeroMQ sockets queued before it exits is sent, not dropped with the process;
/// and a queue nobody takes does not hold up the exit beyond the sockets' linger.
@Suite(.timeLimit(.minutes(2)))
struct ZeroMQExitTests {
    @Test func messagesSentWhileStoppingReachAPyzmqPeerAfterTheDaemonExits() async throws {
        let count = 10_000
        let port = try LoopbackClient.freePort()
        // The peer reads slowly, so that much of the burst is still queued when the daemon exits.
        let script = """
            import sys, time, zmq
            socket = zmq.Context().socket(zmq.PULL)
            socket.bind("tcp://127.0.0.1:" + sys.argv[1])
            print("ready", flush=True)
            received = 0
            while received < int(sys.argv[2]) and socket.poll(5000):
                socket.recv_multipart()
                received += 1
                if received % 100 == 0:
                    time.sleep(0.001)
            print("received", received, flush=True)
            """
        let peer = try ChildProcess("/usr/bin/python3", ["-c", script, String(port), String(count)])
        await peer.expect("ready")
        let pusher = try pusher(to: port, count: count)
        await pusher.expect("pusher is ready.")
        pusher.signal(SIGTERM)
        await pusher.expect("Sent \(count).")
        await pusher.expectCleanExit()
        await peer.expect("received \(count)")
    }

    @Test func messagesNobodyTakesAreDroppedAfterTheLinger() async throws {
        // Nothing listens on the port: the messages stay queued, and the exit waits only for the
        // linger (the shared context's default, 1 s) before dropping them.
        let pusher = try pusher(to: try LoopbackClient.freePort(), count: 100)
        await pusher.expect("pusher is ready.")
        pusher.signal(SIGTERM)
        await pusher.expect("Sent 100.")
        await pusher.expectCleanExit()
    }

    private func pusher(to port: Int, count: Int) throws -> ChildProcess {
        try ChildProcess(
            "messaging-fixture",
            ["FixturePusher", "--set", "fixture.endpoint=tcp://127.0.0.1:\(port)", "--set", "fixture.count=\(count)"]
        )
    }
}
