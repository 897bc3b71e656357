#if canImport(Glibc)
    import Glibc
#endif
import Synchronization

/// A TCP port on 127.0.0.1 that was free a moment ago, for a child process to bind.
///
/// Taken at random below the kernel's ephemeral range (32768 and up on Linux), where no `bind`
/// to port 0 and no outgoing connection of the tests running beside this one lands, and never
/// the same one twice in a run: the kernel's next ephemeral port, used before, was sometimes
/// taken by another test before the child bound it.
public func freeLoopbackPort() throws -> Int {
    for _ in 0..<200 {
        let port = Int.random(in: 20_000..<32_768)
        guard handedOut.withLock({ $0.insert(port).inserted }), canBind(port) else { continue }
        return port
    }
    throw NoFreePort()
}

public struct NoFreePort: Error, CustomStringConvertible {
    public var description: String { "no free port on 127.0.0.1 between 20000 and 32767" }
}

private let handedOut = Mutex<Set<Int>>([])

private func canBind(_ port: Int) -> Bool {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { return false }
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = UInt16(port).bigEndian
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    return withUnsafePointer(to: &address) { pointer in
        pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
            bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
        }
    }
}
