import Foundation
import Synchronization

/// A Unix datagram socket standing in for systemd's `$NOTIFY_SOCKET`: collects what the daemon
/// sends, and lets a test wait for a message.
final class NotifyListener: Sendable {
    let path: String
    private let descriptor: Int32
    private let messages = Mutex<(received: [String], waiters: [(String, CheckedContinuation<Void, Never>)])>(([], []))

    init(path: String) throws {
        self.path = path
        descriptor = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: Array(path.utf8)) }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        guard bound == 0 else { throw POSIXError(.init(rawValue: errno) ?? .EINVAL) }
        Thread.detachNewThread { [self] in
            var buffer = [UInt8](repeating: 0, count: 4096)
            while true {
                let count = recv(descriptor, &buffer, buffer.count, 0)
                guard count > 0 else { return }
                receive(String(decoding: buffer[0..<count], as: UTF8.self))
            }
        }
    }

    var received: [String] { messages.withLock { $0.received } }

    private func receive(_ message: String) {
        let ready = messages.withLock { state in
            state.received.append(message)
            let ready = state.waiters.filter { message.contains($0.0) }
            state.waiters.removeAll { message.contains($0.0) }
            return ready
        }
        for waiter in ready { waiter.1.resume() }
    }

    /// Waits for a message containing `text` (the test's time limit is the backstop).
    func wait(for text: String) async {
        await withCheckedContinuation { continuation in
            let done = messages.withLock { state in
                if state.received.contains(where: { $0.contains(text) }) { return true }
                state.waiters.append((text, continuation))
                return false
            }
            if done { continuation.resume() }
        }
    }

    func close() {
        shutdown(descriptor, Int32(SHUT_RDWR))
        Foundation.close(descriptor)
        unlink(path)
    }
}
