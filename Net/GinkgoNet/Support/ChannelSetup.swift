import NIOCore
import NIOSSL

/// Builds the pipeline of a stream connection, on its event loop, before its task gets it.
enum ChannelSetup {
    /// What a connection's pipeline holds besides the bytes.
    struct Options: Sendable {
        var serverTLS: NIOSSLContext?
        var clientTLS: (context: NIOSSLContext, serverName: String?)?
        var idleTimeout: Duration?
    }

    /// Adds TLS and idle handlers as `options` say, then the ``ConnectionHandler`` that feeds the
    /// returned bridge.
    static func wrap(_ channel: any Channel, _ options: Options) throws -> ConnectionBridge {
        let pipeline = channel.pipeline.syncOperations
        if let context = options.serverTLS {
            try pipeline.addHandler(NIOSSLServerHandler(context: context))
        }
        if let client = options.clientTLS {
            try pipeline.addHandler(NIOSSLClientHandler(context: client.context, serverHostname: client.serverName))
        }
        if let idleTimeout = options.idleTimeout {
            try pipeline.addHandler(IdleStateHandler(allTimeout: TimeAmount(idleTimeout)))
            try pipeline.addHandler(IdleCloser())
        }
        let bridge = ConnectionBridge(channel: channel)
        try pipeline.addHandler(ConnectionHandler(bridge: bridge))
        return bridge
    }
}

/// Closes a connection when the idle-state handler says it has been idle too long.
final class IdleCloser: ChannelInboundHandler {
    typealias InboundIn = NIOAny

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is IdleStateHandler.IdleStateEvent {
            context.close(promise: nil)
        } else {
            context.fireUserInboundEventTriggered(event)
        }
    }
}
