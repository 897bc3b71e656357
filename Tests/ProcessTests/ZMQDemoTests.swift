import Foundation
import Testing

/// `zmqdemo`, the ZeroMQ example, run as an operator would, answering a peer nobody here wrote.
@Suite(.timeLimit(.minutes(2)))
struct ZMQDemoTests {
    @Test
    func echoReplierAnswersAPyzmqRequester() async throws {
        let endpoint = "tcp://127.0.0.1:\(try LoopbackClient.freePort())"
        let demo = try ChildProcess("zmqdemo", ["EchoReplier", "--set", "zmq.endpoint=\(endpoint)"])
        await demo.expect("EchoReplier is ready.")
        let script = """
            import sys, zmq
            socket = zmq.Context().socket(zmq.REQ)
            socket.setsockopt(zmq.LINGER, 0)
            socket.connect(sys.argv[1])
            socket.send_multipart([b"hello", b"from pyzmq"])
            if socket.poll(10000) == 0:
                sys.exit("no reply")
            print(b"|".join(socket.recv_multipart()).decode())
            """
        let peer = try await ChildProcess.run("/usr/bin/python3", ["-c", script, endpoint])
        #expect(peer.status == 0 && peer.output == "hello|from pyzmq\n", "\(peer.output)")
        demo.signal(SIGTERM)
        await demo.expectCleanExit()
    }
}
