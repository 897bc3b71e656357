import CZeroMQ

extension SocketOption where Value == Duration? {
    /// An option in milliseconds where -1 means "none" (`nil`).
    init(_ name: String, milliseconds code: Int32) {
        self.init(
            name,
            code: code,
            kind: .int32,
            encode: { .int32($0.map { Int32(clamping: $0.milliseconds) } ?? -1) },
            decode: { $0.int32 < 0 ? nil : .milliseconds($0.int32) }
        )
    }

    /// How long closing the socket keeps sending queued messages; `nil` waits forever (avoid it).
    public static var linger: Self { Self("linger", milliseconds: ZMQ_LINGER) }
    /// How long ``Socket/receive()`` waits before throwing `EAGAIN`; `nil` waits forever.
    public static var receiveTimeout: Self { Self("receiveTimeout", milliseconds: ZMQ_RCVTIMEO) }
    /// How long ``Socket/send(_:)`` waits before throwing `EAGAIN`; `nil` waits forever.
    public static var sendTimeout: Self { Self("sendTimeout", milliseconds: ZMQ_SNDTIMEO) }
    /// The pause before reconnecting a dropped connection; `nil` never reconnects.
    public static var reconnectInterval: Self { Self("reconnectInterval", milliseconds: ZMQ_RECONNECT_IVL) }
}

extension SocketOption where Value == Duration {
    /// An option in whole milliseconds.
    init(_ name: String, duration code: Int32) {
        self.init(
            name,
            code: code,
            kind: .int32,
            encode: { .int32(Int32(clamping: $0.milliseconds)) },
            decode: { .milliseconds($0.int32) }
        )
    }

    /// The longest pause between reconnect attempts, doubling from ``reconnectInterval``; zero
    /// keeps the interval fixed.
    public static var reconnectIntervalMax: Self { Self("reconnectIntervalMax", duration: ZMQ_RECONNECT_IVL_MAX) }
    /// How often ZMTP heartbeats (PING) are sent; zero turns them off.
    public static var heartbeatInterval: Self { Self("heartbeatInterval", duration: ZMQ_HEARTBEAT_IVL) }
    /// How long to wait for any traffic after a PING before dropping the connection.
    public static var heartbeatTimeout: Self { Self("heartbeatTimeout", duration: ZMQ_HEARTBEAT_TIMEOUT) }
    /// How long the peer should keep the connection without hearing from this side.
    public static var heartbeatTTL: Self { Self("heartbeatTTL", duration: ZMQ_HEARTBEAT_TTL) }
}

extension SocketOption where Value == Int32 {
    /// How many messages may queue for sending per peer before the socket blocks or drops.
    public static var sendHighWaterMark: Self { Self("sendHighWaterMark", code: ZMQ_SNDHWM) }
    /// How many messages may queue for receiving per peer.
    public static var receiveHighWaterMark: Self { Self("receiveHighWaterMark", code: ZMQ_RCVHWM) }
    /// TCP keepalive probes before the connection drops (-1: the system's value).
    public static var tcpKeepaliveCount: Self { Self("tcpKeepaliveCount", code: ZMQ_TCP_KEEPALIVE_CNT) }
    /// Idle seconds before the first TCP keepalive probe (-1: the system's value).
    public static var tcpKeepaliveIdle: Self { Self("tcpKeepaliveIdle", code: ZMQ_TCP_KEEPALIVE_IDLE) }
    /// Seconds between TCP keepalive probes (-1: the system's value).
    public static var tcpKeepaliveInterval: Self { Self("tcpKeepaliveInterval", code: ZMQ_TCP_KEEPALIVE_INTVL) }
    /// The socket's type number (read only).
    public static var socketType: Self { Self("socketType", code: ZMQ_TYPE) }
}

extension SocketOption where Value == Int? {
    /// The largest message this socket accepts from a peer, in bytes; a peer sending a larger
    /// one is disconnected. `nil`: no limit.
    public static var maxMessageSize: Self {
        Self(
            "maxMessageSize",
            code: ZMQ_MAXMSGSIZE,
            kind: .int64,
            encode: { .int64($0.map(Int64.init) ?? -1) },
            decode: { $0.int64 < 0 ? nil : Int($0.int64) }
        )
    }
}

extension SocketOption where Value == Bool {
    /// An option libzmq keeps as an `int` that is 0 or 1.
    init(_ name: String, flag code: Int32) {
        self.init(name, code: code, kind: .int32, encode: { .int32($0 ? 1 : 0) }, decode: { $0.int32 != 0 })
    }

    /// Queue messages only to completed connections, so a send waits instead of queueing for a
    /// peer that is not there yet.
    public static var immediate: Self { Self("immediate", flag: ZMQ_IMMEDIATE) }
    /// Whether this socket is a CURVE server (it then needs ``curveSecretKey``).
    public static var curveServer: Self { Self("curveServer", flag: ZMQ_CURVE_SERVER) }
    /// ROUTER: fail with `EHOSTUNREACH` instead of dropping a message for an unknown peer.
    public static var routerMandatory: Self { Self("routerMandatory", flag: ZMQ_ROUTER_MANDATORY) }
    /// Accept IPv6 as well as IPv4.
    public static var ipv6: Self { Self("ipv6", flag: ZMQ_IPV6) }
    /// Whether more frames of the message being received follow (read only).
    public static var receiveMore: Self { Self("receiveMore", flag: ZMQ_RCVMORE) }
}

extension SocketOption where Value == Bool? {
    /// TCP keepalive on the socket's connections; `nil`: the system's default.
    public static var tcpKeepalive: Self {
        Self(
            "tcpKeepalive",
            code: ZMQ_TCP_KEEPALIVE,
            kind: .int32,
            encode: { .int32($0.map { $0 ? 1 : 0 } ?? -1) },
            decode: { $0.int32 < 0 ? nil : $0.int32 != 0 }
        )
    }
}

extension SocketOption where Value == [UInt8] {
    /// The identity a ROUTER peer sees for this socket (1 to 255 bytes, not starting with 0).
    public static var routingID: Self { Self("routingID", code: ZMQ_ROUTING_ID, capacity: 255) }
}

extension SocketOption where Value == String {
    /// A string option such as a Z85 key (libzmq copies at most `capacity` bytes back).
    init(_ name: String, text code: Int32, capacity: Int) {
        self.init(
            name,
            code: code,
            kind: .bytes(capacity: capacity),
            encode: { .bytes(Array($0.utf8)) },
            decode: { $0.string }
        )
    }

    /// The endpoint of the last bind or connect, with a wildcard port resolved (read only).
    public static var lastEndpoint: Self { Self("lastEndpoint", text: ZMQ_LAST_ENDPOINT, capacity: 1024) }
    /// This socket's CURVE public key, in Z85 (40 characters). Requires ``Curve/isAvailable``.
    public static var curvePublicKey: Self { Self("curvePublicKey", text: ZMQ_CURVE_PUBLICKEY, capacity: 41) }
    /// This socket's CURVE secret key, in Z85.
    public static var curveSecretKey: Self { Self("curveSecretKey", text: ZMQ_CURVE_SECRETKEY, capacity: 41) }
    /// The server's CURVE public key a client connects with, in Z85.
    public static var curveServerKey: Self { Self("curveServerKey", text: ZMQ_CURVE_SERVERKEY, capacity: 41) }
}
