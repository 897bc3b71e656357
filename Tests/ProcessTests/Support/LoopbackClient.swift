import Foundation
import TestSupport

/// Blocking TCP on 127.0.0.1 for process tests, run off the cooperative pool; every read times
/// out after 10 seconds.
enum LoopbackClient {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// A port that was free a moment ago, for a child process to bind (see `freeLoopbackPort()`).
    static func freePort() throws -> Int {
        try freeLoopbackPort()
    }

    /// Connects, sends `request`, and reads until `enough` says so or the peer closes.
    static func exchange(port: Int, send request: String = "", until enough: @escaping @Sendable (String) -> Bool)
        async throws -> String
    {
        try await withCheckedThrowingContinuation { continuation in
            Thread.detachNewThread {
                continuation.resume(with: Result { try exchangeBlocking(port: port, request: request, enough: enough) })
            }
        }
    }

    private static func exchangeBlocking(port: Int, request: String, enough: (String) -> Bool) throws -> String {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var timeout = timeval(tv_sec: 10, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = loopback(port: port)
        let connected = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
            }
        }
        guard connected else { throw Failure(description: "cannot connect to port \(port): errno \(errno)") }
        if !request.isEmpty {
            let bytes = Array(request.utf8)
            guard send(fd, bytes, bytes.count, 0) == bytes.count else { throw Failure(description: "send failed") }
        }
        var received: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while !enough(String(decoding: received, as: UTF8.self)) {
            let count = recv(fd, &chunk, chunk.count, 0)
            guard count > 0 else { break }
            received += chunk[0..<count]
        }
        return String(decoding: received, as: UTF8.self)
    }

    private static func loopback(port: Int) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(port).bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return address
    }
}
