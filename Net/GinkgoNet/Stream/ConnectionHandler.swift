import NIOCore

/// The last handler of a stream connection's pipeline: passes what the channel reads, its end,
/// and its writability to the ``ConnectionBridge`` the connection's task reads from, and holds
/// back the channel's reads while the bridge has ``ConnectionBridge/readLimit`` bytes buffered.
///
/// Runs on the channel's event loop only, like every channel handler.
final class ConnectionHandler: ChannelInboundHandler, ChannelOutboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let bridge: ConnectionBridge

    init(bridge: ConnectionBridge) {
        self.bridge = bridge
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        bridge.received(unwrapInboundIn(data))
    }

    func read(context: ChannelHandlerContext) {
        if bridge.mayRead() { context.read() }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case ChannelEvent.inputClosed = event { bridge.inputEnded(nil) }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        bridge.inputEnded(error)
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        bridge.writabilityChanged()
        context.fireChannelWritabilityChanged()
    }

    func channelInactive(context: ChannelHandlerContext) {
        bridge.closed()
        context.fireChannelInactive()
    }

    func handlerAdded(context: ChannelHandlerContext) {
        bridge.attach(context)
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        bridge.attach(nil)
        bridge.closed()
    }
}
