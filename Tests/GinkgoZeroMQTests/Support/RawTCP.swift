#if canImport(Glibc)
    import Glibc
#endif

/// Connects a plain TCP socket to a `tcp://127.0.0.1:PORT` endpoint, writes `bytes`, and closes
/// it: a peer that does not speak ZMTP.
func sendGarbage(_ bytes: [UInt8], to endpoint: String) throws {
    struct Failure: Error { let step: String }
    guard let port = UInt16(endpoint.split(separator: ":").last ?? "") else { throw Failure(step: "port") }
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { throw Failure(step: "socket") }
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = port.bigEndian
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    let connected = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
            connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
        }
    }
    guard connected == 0 else { throw Failure(step: "connect") }
    guard write(fd, bytes, bytes.count) == bytes.count else { throw Failure(step: "write") }
    // Read until the replier drops us, so the garbage was surely processed.
    var buffer = [UInt8](repeating: 0, count: 256)
    while read(fd, &buffer, buffer.count) > 0 {}
}
