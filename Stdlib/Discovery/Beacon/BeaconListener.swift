import Foundation
import Ginkgo
import NIOCore
import NIOPosix

/// Finds a ``Registry`` by listening for its UDP beacon (like ZeroMQ's zbeacon): what
/// `discovery.endpoints=beacon` does.
///
/// ```swift
/// let endpoint = try await BeaconListener(port: 7101).firstRegistry(timeout: .seconds(10))
/// print(endpoint)  // tcp://192.0.2.10:7100
/// ```
/// Several listeners on one machine can share the port. Datagrams that are not beacons are
/// ignored.
public struct BeaconListener: Sendable {
    /// The UDP port to listen on.
    public let port: Int
    /// The address to listen on; `0.0.0.0` hears broadcasts on every interface.
    public let host: String

    /// A listener on `port`.
    public init(port: Int, host: String = "0.0.0.0") {
        self.port = port
        self.host = host
    }

    /// The endpoint announced by the first beacon heard.
    ///
    /// - Throws: ``DiscoveryError`` (`unreachable`) when no beacon arrives within `timeout`.
    public func firstRegistry(timeout: Duration) async throws -> String {
        let channel = try await DatagramBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelOption(.socketOption(.so_reuseaddr), value: 1)
            .bind(host: host, port: port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try NIOAsyncChannel<AddressedEnvelope<ByteBuffer>, AddressedEnvelope<ByteBuffer>>(
                        wrappingChannelSynchronously: channel
                    )
                }
            }
        do {
            return try await withTimeout(timeout) {
                try await channel.executeThenClose { inbound, _ in
                    for try await datagram in inbound {
                        let text = String(buffer: datagram.data)
                        let sender = datagram.remoteAddress.ipAddress ?? "127.0.0.1"
                        if let endpoint = BeaconMessage.endpoint(in: text, from: sender) { return endpoint }
                    }
                    throw DiscoveryError(.unreachable, "the beacon listener on UDP \(host):\(port) closed")
                }
            }
        } catch is TimeoutError {
            throw DiscoveryError(.unreachable, "no registry beacon heard on UDP \(host):\(port) within \(timeout)")
        }
    }
}
