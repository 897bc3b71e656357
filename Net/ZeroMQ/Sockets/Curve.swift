import CZeroMQ

/// CURVE security (CurveZMQ): encrypted, authenticated connections, when libzmq has it.
///
/// ```swift
/// guard Curve.isAvailable else { return }
/// let server = try Curve.generateKeyPair()
/// try replier.setOption(.curveServer, true)
/// try replier.setOption(.curveSecretKey, server.secretKey)
/// let client = try Curve.generateKeyPair()
/// try requester.setOption(.curveServerKey, server.publicKey)
/// try requester.setOption(.curvePublicKey, client.publicKey)
/// try requester.setOption(.curveSecretKey, client.secretKey)
/// ```
public enum Curve {
    /// A CURVE key pair in Z85 text (40 characters each).
    public struct KeyPair: Sendable, Hashable {
        /// The key to give peers.
        public let publicKey: String
        /// The key to keep.
        public let secretKey: String
    }

    /// Whether this libzmq was built with CURVE (`zmq_has("curve")`).
    public static var isAvailable: Bool { Context.has("curve") }

    /// Generates a new key pair.
    ///
    /// - Throws: ``ZMQError`` `ENOTSUP` when libzmq has no CURVE.
    public static func generateKeyPair() throws(ZMQError) -> KeyPair {
        var publicKey = [CChar](repeating: 0, count: 41)
        var secretKey = [CChar](repeating: 0, count: 41)
        guard zmq_curve_keypair(&publicKey, &secretKey) == 0 else {
            throw .last("generate a CURVE key pair", hint: "this libzmq was built without CURVE")
        }
        func text(_ key: [CChar]) -> String {
            String(decoding: key.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        }
        return KeyPair(publicKey: text(publicKey), secretKey: text(secretKey))
    }
}
