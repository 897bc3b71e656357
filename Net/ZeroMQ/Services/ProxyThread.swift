import CZeroMQ
import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// The thread a ``Proxy`` runs on: it opens the proxy's sockets, attaches them, and runs
/// `zmq_proxy_steerable` until told `TERMINATE`. The sockets never leave this thread, which is
/// what libzmq asks of sockets that are not guarded by a lock.
enum ProxyThread {
    struct Plan: Sendable {
        let sockets: (frontend: SocketType, backend: SocketType)
        let frontend: (Attachment, [String])
        let backend: (Attachment, [String])
        let capture: (Attachment, [String])?
        let control: String
        let linger: Duration
    }

    /// Starts the thread; returns once the sockets are attached (or throws why they could not
    /// be). `finished` is called on the thread when the proxy ends.
    static func start(
        _ plan: Plan,
        in context: Context,
        finished: @escaping @Sendable ((any Error)?) -> Void
    ) async throws -> Proxy.Endpoints {
        let contextHandle = try context.rawHandle()
        return try await withCheckedThrowingContinuation { continuation in
            let thread = Thread {
                run(plan, context: contextHandle, started: { continuation.resume(with: $0) }, finished: finished)
            }
            thread.name = "GinkgoZeroMQ proxy"
            thread.start()
        }
    }

    private static func run(
        _ plan: Plan,
        context address: UInt,
        started: (Result<Proxy.Endpoints, any Error>) -> Void,
        finished: @Sendable ((any Error)?) -> Void
    ) {
        let context = UnsafeMutableRawPointer(bitPattern: address)
        var opened: [UnsafeMutableRawPointer] = []
        func closeAll() {
            for socket in opened { zmq_close(socket) }
        }
        func open(_ type: SocketType, _ attachment: Attachment?, _ addresses: [String]) throws(ZMQError)
            -> (UnsafeMutableRawPointer, [String])
        {
            guard let socket = zmq_socket(context, type.rawValue) else { throw .last("open a \(type) socket") }
            opened.append(socket)
            var linger = Int32(clamping: plan.linger.milliseconds)
            zmq_setsockopt(socket, ZMQ_LINGER, &linger, MemoryLayout<Int32>.size)
            var resolved: [String] = []
            for address in addresses {
                let bind: Bool
                if case .bind = attachment { bind = true } else { bind = false }
                let result = bind ? zmq_bind(socket, address) : zmq_connect(socket, address)
                guard result == 0 else { throw .last("\(bind ? "bind" : "connect") \(type) to \(address)") }
                var buffer = [UInt8](repeating: 0, count: 1024)
                var size = buffer.count
                zmq_getsockopt(socket, ZMQ_LAST_ENDPOINT, &buffer, &size)
                resolved.append(String(decoding: buffer.prefix { $0 != 0 }, as: UTF8.self))
            }
            return (socket, resolved)
        }
        let sockets:
            (UnsafeMutableRawPointer, UnsafeMutableRawPointer, UnsafeMutableRawPointer?, UnsafeMutableRawPointer)
        let endpoints: Proxy.Endpoints
        do {
            let front = try open(plan.sockets.frontend, plan.frontend.0, plan.frontend.1)
            let back = try open(plan.sockets.backend, plan.backend.0, plan.backend.1)
            let capture = try plan.capture.map { capture throws(ZMQError) in try open(.pub, capture.0, capture.1) }
            let control = try open(.pair, .connect(Endpoint(plan.control)), [plan.control])
            sockets = (front.0, back.0, capture?.0, control.0)
            endpoints = Proxy.Endpoints(frontend: front.1, backend: back.1, capture: capture?.1 ?? [])
        } catch {
            closeAll()
            started(.failure(error))
            return
        }
        started(.success(endpoints))
        let result = zmq_proxy_steerable(sockets.0, sockets.1, sockets.2, sockets.3)
        let error = result == 0 ? nil : ZMQError.last("run the proxy")
        closeAll()
        finished(error)
    }
}
