// The NIO types in GinkgoNet's API, so `import GinkgoNet` is enough to use a connection's bytes.
@_exported import struct NIOCore.ByteBuffer
@_exported import enum NIOCore.SocketAddress
