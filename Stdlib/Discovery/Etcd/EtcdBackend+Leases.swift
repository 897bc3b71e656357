import Foundation

extension EtcdBackend {
    /// Puts `instance` at its key under a new lease of `ttl` (rounded up to whole seconds; etcd
    /// raises a TTL below its minimum, 2 s by default). Registering again replaces the record
    /// in one put, so a watcher sees a health change or an update, never a removal, and the
    /// old lease, which no key is on any more, is revoked.
    public func register(_ instance: ServiceInstance, ttl: Duration) async throws {
        try keyspace.validate(name: instance.name, id: instance.id)
        let value = try JSONEncoder().encode(instance)
        let grant = try await gateway.call(
            "/v3/lease/grant",
            EtcdLeaseGrantRequest(ttl: EtcdInt(Self.seconds(ttl))),
            as: EtcdLease.self
        )
        guard let lease = grant.id?.value, lease != 0, grant.error?.isEmpty ?? true else {
            throw DiscoveryError(
                .protocolError,
                "\(description) granted no lease: \(grant.error ?? "no ID in the answer")"
            )
        }
        let put: EtcdEmptyResponse
        do {
            put = try await gateway.call(
                "/v3/kv/put",
                EtcdPutRequest(key: keyspace.key(instance.key), value: EtcdBytes(Array(value)), lease: EtcdInt(lease)),
                as: EtcdEmptyResponse.self
            )
        } catch {
            await revoke(lease)
            throw error
        }
        let registration = Registration(
            lease: lease,
            cluster: put.header?.clusterID,
            revision: put.header?.revision?.value ?? 0
        )
        // The lease that no key is on any more: the one replaced, or ours when an overlapping
        // registration of the same instance put its record after ours.
        let unused = leases.withLock { leases -> Int64? in
            if let current = leases[instance.key], current.cluster == registration.cluster,
                current.revision > registration.revision
            {
                return lease
            }
            return leases.updateValue(registration, forKey: instance.key)?.lease
        }
        if let unused { await revoke(unused) }
        logger.debug("etcd: registered", metadata: ["instance": "\(instance.key)", "lease": "\(lease)"])
    }

    /// Keeps the lease of `instance` alive for its TTL, the one given to
    /// ``register(_:ttl:)`` (etcd cannot change a lease's TTL, so `ttl` is not used).
    ///
    /// - Throws: ``DiscoveryError`` with ``DiscoveryError/Code/notRegistered`` when this backend
    ///   did not register the instance, or its lease has expired or was revoked.
    public func renew(_ instance: ServiceInstance.Key, ttl: Duration) async throws {
        guard let lease = leases.withLock({ $0[instance]?.lease }) else {
            throw DiscoveryError(.notRegistered, "\(description): \(instance) was not registered through this backend")
        }
        let answer: EtcdStreamMessage<EtcdLease>
        do {
            answer = try await gateway.call("/v3/lease/keepalive", EtcdLeaseRequest(id: EtcdInt(lease)))
        } catch let error as DiscoveryError where error.code == .notRegistered {
            forget(lease, of: instance)
            throw error
        }
        if let error = answer.error {
            throw EtcdGateway.refusal(error, endpoint: description, path: "/v3/lease/keepalive")
        }
        guard let left = answer.result?.ttl?.value, left > 0 else {
            forget(lease, of: instance)
            throw DiscoveryError(
                .notRegistered,
                "\(description): the lease of \(instance) (\(lease)) has expired or was revoked; register again"
            )
        }
    }

    /// Deletes the key of `instance` at once and revokes its lease.
    public func deregister(_ instance: ServiceInstance.Key) async throws {
        try keyspace.validate(name: instance.name, id: instance.id)
        _ = try await gateway.call(
            "/v3/kv/deleterange",
            EtcdDeleteRangeRequest(key: keyspace.key(instance)),
            as: EtcdEmptyResponse.self
        )
        if let registration = leases.withLock({ $0.removeValue(forKey: instance) }) { await revoke(registration.lease) }
        logger.debug("etcd: deregistered", metadata: ["instance": "\(instance)"])
    }

    /// Revokes a lease no record needs any more; a lease already gone is fine, and one that
    /// cannot be revoked now ends with its TTL.
    private func revoke(_ lease: Int64) async {
        do {
            _ = try await gateway.call(
                "/v3/lease/revoke",
                EtcdLeaseRequest(id: EtcdInt(lease)),
                as: EtcdEmptyResponse.self
            )
        } catch let error as DiscoveryError where error.code == .notRegistered {
            return
        } catch {
            logger.debug("etcd: could not revoke a lease", metadata: ["lease": "\(lease)", "error": "\(error)"])
        }
    }

    private func forget(_ lease: Int64, of instance: ServiceInstance.Key) {
        leases.withLock { leases in
            if leases[instance]?.lease == lease { leases[instance] = nil }
        }
    }

    /// Whole seconds, rounded up, at least 1.
    private static func seconds(_ duration: Duration) -> Int64 {
        let (seconds, attoseconds) = duration.components
        return max(1, seconds + (attoseconds > 0 ? 1 : 0))
    }
}
