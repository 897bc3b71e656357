import BenchmarkSupport
import NIOCore
import NIOPosix

/// Row 1's main reference: an echo server written directly on SwiftNIO, the way SwiftNIO's
/// documentation writes one: a channel handler that writes what it reads and flushes when a
/// read burst ends. With `--async`, the way SwiftNIO's async example writes it instead: a task
/// per connection over `NIOAsyncChannel` (what `StreamServer` was built on before its own
/// `ConnectionBridge`), so the table can tell what a task per connection costs over a bridge
/// of NIO's and over Ginkgo's. One event loop unless
/// `--loops` says otherwise.
@main
struct NIOEchoServer {
    static func main() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: Arguments.int("--loops", default: 1))
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 256)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
        let port = Arguments.int("--port", default: 0)
        if CommandLine.arguments.contains("--async") {
            try await serveAsync(bootstrap, port: port)
        } else {
            try await serveHandlers(bootstrap, port: port)
        }
    }

    static func serveHandlers(_ bootstrap: ServerBootstrap, port: Int) async throws {
        let channel = try await bootstrap.childChannelInitializer { channel in
            channel.eventLoop.makeCompletedFuture {
                try channel.pipeline.syncOperations.addHandler(EchoHandler())
            }
        }.bind(host: "127.0.0.1", port: port).get()
        Report.listening(on: channel.localAddress?.port ?? 0)
        try await channel.closeFuture.get()
    }

    static func serveAsync(_ bootstrap: ServerBootstrap, port: Int) async throws {
        let listener = try await bootstrap.bind(host: "127.0.0.1", port: port) { channel in
            channel.eventLoop.makeCompletedFuture {
                try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
            }
        }
        Report.listening(on: listener.channel.localAddress?.port ?? 0)
        try await withThrowingDiscardingTaskGroup { group in
            try await listener.executeThenClose { inbound in
                for try await connection in inbound {
                    group.addTask {
                        try? await connection.executeThenClose { inbound, outbound in
                            for try await bytes in inbound { try await outbound.write(bytes) }
                        }
                    }
                }
            }
        }
    }
}

/// Writes back every buffer it reads; flushes once per read burst.
final class EchoHandler: ChannelInboundHandler, Sendable {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        context.write(data, promise: nil)
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        context.flush()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }
}
