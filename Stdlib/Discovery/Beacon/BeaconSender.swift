import Logging
import NIOCore
import NIOPosix

/// Sends the registry's endpoint as a UDP datagram every `interval`, so that clients with
/// `discovery.endpoints=beacon` find it without being told where it is.
struct BeaconSender: Sendable {
    let address: String
    let port: Int
    let interval: Duration
    let logger: Logger

    /// Sends until cancelled.
    func run(announcing endpoint: String) async throws {
        let destination = try SocketAddress(ipAddress: address, port: port)
        let channel = try await DatagramBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelOption(.socketOption(.so_broadcast), value: 1)
            .bind(host: "0.0.0.0", port: 0)
            .get()
        logger.info("Sending the registry beacon to \(address):\(port) every \(interval).")
        defer { channel.close(promise: nil) }
        let payload = BeaconMessage.encode(endpoint)
        while true {
            let datagram = AddressedEnvelope(remoteAddress: destination, data: ByteBuffer(string: payload))
            do {
                try await channel.writeAndFlush(datagram).get()
            } catch {
                logger.warning("Beacon not sent to \(address):\(port): \(error)")
            }
            try await Task.sleep(for: interval)
        }
    }
}
