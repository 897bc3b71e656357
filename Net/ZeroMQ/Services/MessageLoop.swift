import Ginkgo
import Logging

extension SocketService {
    /// Spawns the loop that hands every message `socket` receives to `handler`, in order; a
    /// handler error is logged and the loop goes on. The loop ends when the socket closes.
    func spawnMessageLoop(_ socket: Socket, _ handler: @escaping @Sendable (Message) async throws -> Void) {
        spawn {
            for try await message in socket.messages {
                do {
                    try await handler(message)
                } catch is CancellationError {
                    return
                } catch {
                    self.logger.error("Handler failed: \(error)", metadata: ["frames": "\(message.count)"])
                }
            }
        }
    }
}
