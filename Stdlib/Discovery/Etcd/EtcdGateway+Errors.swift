import AsyncHTTPClient
import Foundation
import Ginkgo
import NIOCore

extension EtcdGateway {
    /// The error for an answer other than 200: what etcd said, with the endpoint and the path.
    static func refusal(status: UInt, body: ByteBuffer, endpoint: String, path: String) -> DiscoveryError {
        let parsed = try? JSONDecoder().decode(EtcdStatus.self, from: Data(body.readableBytesView))
        let said =
            parsed?.text ?? (body.readableBytes == 0 ? "an empty body" : String(buffer: body).prefix(200).description)
        var context = "HTTP \(status)"
        if let code = parsed?.code { context += ", gRPC code \(code)" }
        let message = "etcd \(endpoint) refused \(path): \(said) (\(context))"
        if parsed == nil, status == 404 {
            return DiscoveryError(.protocolError, message + "; is this etcd 3.4 or later, with the /v3 gateway?")
        }
        return DiscoveryError(code(grpc: parsed?.code, said: said), message)
    }

    /// The error for an error message inside a stream.
    static func refusal(_ status: EtcdStatus, endpoint: String, path: String) -> DiscoveryError {
        let message = "etcd \(endpoint) ended \(path): \(status.text) (gRPC code \(status.code ?? 2))"
        return DiscoveryError(code(grpc: status.code, said: status.text), message)
    }

    /// Decodes an answer, or says which endpoint answered what this client cannot read.
    static func decode<T: Decodable>(_ type: T.Type, _ body: ByteBuffer, endpoint: String, path: String) throws -> T {
        do {
            return try JSONDecoder().decode(type, from: Data(body.readableBytesView))
        } catch {
            let text = String(buffer: body).prefix(200)
            throw DiscoveryError(.protocolError, "etcd \(endpoint) answered \(path) with what is not its JSON: \(text)")
        }
    }

    /// Why a call to `endpoint` got no answer, in a few words.
    static func describe(_ error: any Error, endpoint: String, timeout: Duration) -> String {
        switch error {
        case is TimeoutError:
            return "\(endpoint) did not answer within \(timeout)"
        case let error as HTTPClientError where error == .deadlineExceeded || error == .connectTimeout:
            return "\(endpoint) did not answer within \(timeout)"
        case let error as DiscoveryError:
            return error.message
        case let error as IOError:
            return "\(endpoint): \(String(cString: strerror(error.errnoCode)).lowercased())"
        default:
            return "\(endpoint): \(error)"
        }
    }

    /// The discovery error code for a gRPC status code and message.
    private static func code(grpc: Int?, said: String) -> DiscoveryError.Code {
        // etcd reports an oversized request as an invalid argument.
        if said.contains("too large") { return .tooLarge }
        switch grpc {
        case 3, 9, 11: return .badRequest  // invalid argument, failed precondition, out of range
        case 5: return .notRegistered  // lease not found
        case 8: return .tooLarge  // resource exhausted
        case 4, 14: return .unreachable  // deadline exceeded, unavailable (no leader): try another member
        case 7, 16: return .configuration  // permission denied, unauthenticated
        default: return .protocolError
        }
    }
}
