import Foundation
import Testing

/// `zmqdemo`, the ZeroMQ example, run as an operator would, answering a peer nobody here wrote.
@Suite(.timeLimit(.minutes(2)))
struct ZMQDemoTests {
    @Test
    func echoReplierAnswersAPyzmqRequester() async throws {
        let endpoint = "tcp://127.0.0.1:\(try Self.freePort())"
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

    /// A port nothing listens on now (the kernel's next ephemeral one).
    static func freePort() throws -> Int {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(descriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(descriptor, $0, length) == 0 && getsockname(descriptor, $0, &length) == 0
            }
        }
        guard bound else { throw POSIXError(.EADDRINUSE) }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}
